"""What a fact-checker meets on the command line: exact bytes, shared links that still resolve, local times,
damaged records refused, and no gzip on a terminal."""

from __future__ import annotations

import gzip
import json
import os
import pty
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from archiver.retrieval.url_variants import drop_tracking, lookup_variants
from archiver.store.layout import cdxj_key
from tests.conftest import ROOT, CrawledArchive, archiver


def _raw(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The CLI with standard output as bytes (the text helper would translate newlines)."""
    return subprocess.run(
        [sys.executable, "-m", "archiver.cli", *args], capture_output=True, cwd=ROOT, timeout=120, check=False
    )


def _an_article(store: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    for path in sorted((store / "articles").rglob("*.json")):
        article = json.loads(path.read_bytes())
        if article["url"].endswith("/") and "?" not in article["url"]:
            return path, article
    raise AssertionError("the fixture crawl stored no article with a trailing-slash URL")


def test_snapshot_json_is_the_stored_object_byte_for_byte(crawled: CrawledArchive) -> None:
    path, article = _an_article(crawled.store)
    run = _raw("snapshot", article["url"], f"--store={crawled.store}")
    assert run.returncode == 0, run.stderr
    assert run.stdout == path.read_bytes()  # no newline added: the sha256 is the manifest's


def test_a_shared_link_finds_its_capture_and_says_which(crawled: CrawledArchive) -> None:
    path, article = _an_article(crawled.store)
    archived = article["url"]
    shared = archived.rstrip("/") + "?utm_source=facebook&utm_medium=social&fbclid=IwAR0abc#comments"
    run = _raw("snapshot", shared, f"--store={crawled.store}")
    assert run.returncode == 0, run.stderr
    assert run.stdout == path.read_bytes()
    assert run.stderr.decode().splitlines() == [f"archiver: {shared} matched the archived URL {archived}"]
    history = archiver("history", shared, "--format=json", f"--store={crawled.store}")
    assert history.returncode == 0 and json.loads(history.stdout)
    assert f"matched the archived URL {archived}" in history.stderr
    unknown = archiver("snapshot", archived + "no-such-page/?utm_source=x", f"--store={crawled.store}")
    assert unknown.returncode == 3 and "no capture of" in unknown.stderr


def test_url_variants_drop_tracking_and_try_the_other_forms() -> None:
    url = "http://www.alwasat.ly/news/libya/12345/?utm_source=fb&id=7&fbclid=abc&gclid=x#top"
    variants = lookup_variants(url)
    assert variants[0] == url
    assert drop_tracking(url) == "http://www.alwasat.ly/news/libya/12345/?id=7"
    for expected in (
        "http://www.alwasat.ly/news/libya/12345/?id=7",
        "https://www.alwasat.ly/news/libya/12345/?id=7",
        "http://alwasat.ly/news/libya/12345/?id=7",
        "http://www.alwasat.ly/news/libya/12345?id=7",
        "https://alwasat.ly/news/libya/12345?id=7",
    ):
        assert expected in variants
    assert len(variants) == len(set(variants))
    # Fewest changes first: dropping tracking parameters comes before changing scheme, host and path together.
    assert variants.index("http://www.alwasat.ly/news/libya/12345/?id=7") < variants.index(
        "https://alwasat.ly/news/libya/12345?id=7"
    )
    # Arabic slugs keep their encoding; a parameter that selects content (id) is never dropped.
    arabic = "https://libyaobserver.ly/ar/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1?igshid=zz&page=2"
    assert drop_tracking(arabic) == "https://libyaobserver.ly/ar/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1?page=2"
    assert lookup_variants("http://[::1/") == ["http://[::1/"]  # unparseable: tried as given only


def test_history_prints_libya_time_beside_utc_and_explains_the_diff(crawled: CrawledArchive) -> None:
    _, article = _an_article(crawled.store)
    as_json = archiver("history", article["url"], "--format=json", f"--store={crawled.store}")
    text = archiver("history", article["url"], f"--store={crawled.store}")
    assert text.returncode == 0, text.stderr
    captures = json.loads(as_json.stdout)
    lines = text.stdout.splitlines()
    assert len(lines) == len(captures)
    for line, capture in zip(lines, captures, strict=True):
        utc = datetime.fromisoformat(capture["captured_at"].replace("Z", "+00:00"))
        local = (utc + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")  # Libya: UTC+2 (EET) since late 2013
        assert line.startswith(f"{capture['captured_at']}  (Libya {local} EET)"), line
    help_text = archiver("history", "--help").stdout
    for notation in ("@ word", "⟦⟧", "- old words", "+ new words", "U+2068", "Libya"):
        assert notation in help_text


def test_warc_to_a_terminal_is_refused(crawled: CrawledArchive) -> None:
    _, article = _an_article(crawled.store)
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "archiver.cli", "snapshot", article["url"], "--format=warc"]
            + [f"--store={crawled.store}"],
            stdout=secondary,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
    finally:
        os.close(secondary)
    os.set_blocking(primary, False)
    try:
        written = os.read(primary, 65536)
    except (BlockingIOError, OSError):
        written = b""
    os.close(primary)
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [
        "archiver: --format warc writes gzip-compressed bytes: give --out FILE.warc.gz or redirect the output"
    ]
    assert written == b""


@pytest.fixture
def damaged(crawled: CrawledArchive, tmp_path: Path) -> tuple[Path, dict, str]:  # type: ignore[type-arg]
    """A copy of the crawled store in which one response record's payload has one byte changed (its gzip member
    recompressed, so only the WARC digests can tell). The WARC's CDXJ file goes too: the catalog indexes the
    changed file afresh, with its new offsets."""
    store = tmp_path / "store"
    shutil.copytree(crawled.store, store, ignore=shutil.ignore_patterns(".catalog", ".spool"))
    _, article = _an_article(store)
    capture = article["capture"]
    warc = store / capture["warc_file"]
    data = warc.read_bytes()
    offset, length = capture["offset"], capture["length"]
    record = bytearray(gzip.decompress(data[offset : offset + length]))
    record[-10] ^= 0x01  # inside the HTTP body, before the record's closing CRLFCRLF
    warc.write_bytes(data[:offset] + gzip.compress(bytes(record)) + data[offset + length :])
    (store / cdxj_key(capture["warc_file"])).unlink()
    return store, article, f"{capture['warc_file']} at offset {offset}"


@pytest.mark.parametrize("fmt", ["warc", "html"])
def test_a_record_failing_its_digest_is_not_handed_out(damaged: tuple[Path, dict, str], fmt: str) -> None:  # type: ignore[type-arg]
    store, article, where = damaged
    out = store.parent / f"snapshot.{fmt}"
    run = archiver("snapshot", article["url"], f"--format={fmt}", f"--out={out}", f"--store={store}")
    assert run.returncode == 1
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert where in lines[0] and "WARC-Payload-Digest" in lines[0] and "archiver verify" in lines[0]
    assert not out.exists() and not list(store.parent.glob(".snapshot*"))


def test_snapshot_out_is_fsynced_and_renamed_into_place(crawled: CrawledArchive, tmp_path: Path) -> None:
    """The file lands by rename after an fsync of its data, and its folder is fsynced after: a power cut leaves
    the old state or the whole file (observed with strace on the real command)."""
    _path, article = _an_article(crawled.store)
    out = tmp_path / "snap.json"
    trace = tmp_path / "trace"
    run = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=openat,fsync,rename,renameat,renameat2", "-o", str(trace)]
        + [sys.executable, "-m", "archiver.cli", "snapshot", article["url"], f"--store={crawled.store}"]
        + [f"--out={out}"],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    calls = [line.split(None, 1)[1] for line in trace.read_text().splitlines()]
    fds: dict[str, str] = {}
    synced: list[tuple[int, str]] = []  # (call index, path) of each fsync, fds resolved at the time of the call
    for index, call in enumerate(calls):
        if call.startswith("openat(") and '"' in call:
            fds[call.rsplit("= ", 1)[1].split()[0]] = call.split('"')[1]
        elif call.startswith("fsync("):
            synced.append((index, fds.get(call[len("fsync(") :].split(")")[0], "?")))
    rename_at = next(i for i, c in enumerate(calls) if c.startswith("rename") and str(out) in c)
    assert any(i < rename_at and p.startswith(str(tmp_path / ".snap.json.")) for i, p in synced), calls[-20:]
    assert any(i > rename_at and p == str(tmp_path) for i, p in synced), calls[-20:]
    assert out.read_bytes() == _path.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
