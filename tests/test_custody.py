"""The custody log: crawl, export, verify and reindex each append one hash-chained line; a broken link is named."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archiver.custody.log import GENESIS, Item, append, read_lines
from archiver.custody.verify import verify_custody
from archiver.store.local import LocalStore
from archiver.store.s3 import S3Store
from tests.conftest import CrawledArchive, archiver


@pytest.fixture
def store(crawled: CrawledArchive, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(crawled.store, copy)
    # The crawl's own line is the first; other tests' verify and export runs on the shared crawled store append
    # after it (the log is append-only): cut the copy back to the crawl's line, which keeps the chain whole.
    for line in (copy / "custody").rglob("*.jsonl"):
        if line.name != "0000000001.jsonl":
            line.unlink()
    shutil.rmtree(copy / "custody" / "stamps", ignore_errors=True)
    return copy


def _lines(store: Path) -> list[tuple[Path, bytes]]:
    paths = sorted((store / "custody").rglob("*.jsonl"), key=lambda p: p.name)
    return [(p, p.read_bytes()) for p in paths]


def test_every_action_appends_one_chained_line(store: Path, tmp_path: Path) -> None:
    [(crawl_path, crawl_line)] = _lines(store)  # the crawl that made the store
    crawl = json.loads(crawl_line)
    assert crawl["action"] == "crawl" and crawl["prev"] == GENESIS and crawl["inputs"] == []
    manifest = next((store / "crawls").rglob("manifest.json"))
    named = {o["name"]: o["sha256"] for o in crawl["outputs"]}
    assert named[manifest.relative_to(store).as_posix()] == hashlib.sha256(manifest.read_bytes()).hexdigest()
    warcs = list((store / "warc").rglob("*.warc.gz"))
    for warc in warcs:
        assert named[warc.relative_to(store).as_posix()] == hashlib.sha256(warc.read_bytes()).hexdigest()
    assert (
        crawl_path.relative_to(store).as_posix() == f"custody/{crawl['time'][:4]}/{crawl['time'][5:7]}/0000000001.jsonl"
    )

    out = tmp_path / "arts.jsonl"
    env = {"ARCHIVER_ACTOR": "فاطمة (fact-check desk)"}
    assert archiver("verify", f"--store={store}", env=env).returncode == 0
    assert archiver("export", "--format=jsonl", f"--out={out}", f"--store={store}", env=env).returncode == 0
    assert archiver("reindex", f"--store={store}", f"--catalog={tmp_path / 'c.sqlite'}", env=env).returncode == 0
    package = tmp_path / "all.wacz"
    packaged = archiver(
        "package", f"--store={store}", f"--catalog={tmp_path / 'c.sqlite'}", f"--out={package}", env=env
    )
    assert packaged.returncode == 0, packaged.stderr

    lines = _lines(store)
    fields = [json.loads(data) for _path, data in lines]
    assert [f["action"] for f in fields] == ["crawl", "verify", "export", "reindex", "package"]
    assert fields[4]["outputs"] == [{"name": "all.wacz", "sha256": hashlib.sha256(package.read_bytes()).hexdigest()}]
    copied = {i["name"].split("#")[0] for i in fields[4]["inputs"]}
    assert {w.relative_to(store).as_posix() for w in warcs} <= copied  # every WARC the package copies from is named
    assert all(f["actor"] == "فاطمة (fact-check desk)" for f in fields[1:])
    for (_before, data), after in zip(lines, fields[1:], strict=False):
        assert after["prev"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert fields[1]["outputs"][0]["name"] == "verify report: intact"
    exported = {o["name"]: o["sha256"] for o in fields[2]["outputs"]}
    assert exported["arts.jsonl"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert set(exported) == {"arts.jsonl", "arts.jsonl.manifest.json", "arts.jsonl.README.md"}
    assert {i["name"] for i in fields[3]["inputs"]} == {manifest.relative_to(store).as_posix()}

    run = archiver("custody", "verify", f"--store={store}")
    assert run.returncode == 0 and "custody log intact: 5 line(s)" in run.stdout
    shown = archiver("custody", "show", f"--store={store}", f"--month={crawl['time'][:7]}")
    assert shown.stdout.encode("utf-8") == b"".join(data for _p, data in lines)


def test_an_edited_line_breaks_the_chain_at_the_next_link(store: Path) -> None:
    assert archiver("verify", f"--store={store}").returncode == 0
    (first, data), _second = _lines(store)
    first.write_bytes(data.replace(b'"action":"crawl"', b'"action":"import"'))
    run = archiver("custody", "verify", f"--store={store}")
    assert run.returncode == 1
    assert "custody line 2" in run.stdout and "does not match line 1" in run.stdout
    verify = archiver("verify", f"--store={store}")  # the store check names the broken chain too
    assert verify.returncode == 1 and "custody line 2" in verify.stdout


def test_a_removed_line_is_named_missing(store: Path) -> None:
    assert archiver("verify", f"--store={store}").returncode == 0
    assert archiver("verify", f"--store={store}").returncode == 0
    lines = _lines(store)
    lines[1][0].unlink()
    run = archiver("custody", "verify", f"--store={store}")
    assert run.returncode == 1 and "custody line 2 is missing" in run.stdout


def test_racing_writers_keep_one_chain(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")

    def writer(n: int) -> None:
        for i in range(5):
            append(store, "verify", [], [Item(f"w{n}-{i}", "ab" * 32)], actor=f"writer {n}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_custody(store)
    assert report.intact, report.broken
    assert report.lines == 20 and [line.seq for line in read_lines(store)] == list(range(1, 21))


def test_the_log_appends_on_s3_and_a_line_in_its_own_month(s3, bucket: str) -> None:  # type: ignore[no-untyped-def]
    os.environ.update(s3.env)
    store = S3Store(bucket, "p")
    first = append(
        store, "crawl", [], [Item("warc/x.warc.gz", "cd" * 32)], now=datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
    )
    second = append(store, "export", [Item("q", "ef" * 32)], [], now=datetime(2026, 12, 1, 0, 1, tzinfo=UTC))
    assert (first.key, second.key) == ("custody/2026/11/0000000001.jsonl", "custody/2026/12/0000000002.jsonl")
    assert json.loads(second.data)["prev"] == first.digest
    assert verify_custody(store).intact


def test_a_stamped_day_pins_even_the_last_line(store: Path) -> None:
    from tests.tsa import LocalTSA

    with LocalTSA() as tsa:
        run = archiver("custody", "stamp", f"--store={store}", f"--tsa={tsa.url}")
    assert run.returncode == 0, run.stderr
    assert "custody line 1 (sha256:" in run.stdout
    good = archiver("custody", "verify", f"--store={store}")  # offline: the authority is gone
    assert good.returncode == 0 and "line 1 (last of" in good.stdout and "Time-Stamping Authority" in good.stdout
    [(only, data)] = _lines(store)
    only.write_bytes(data.replace(b'"inputs":[]', b'"inputs": []'))  # the last line: no later prev names it
    run = archiver("custody", "verify", f"--store={store}")
    assert run.returncode == 1 and "no longer has the digest stamped" in run.stdout


def test_stamp_without_an_authority_is_a_usage_error(store: Path) -> None:
    run = archiver("custody", "stamp", f"--store={store}", env={"ARCHIVER_TSA": ""})
    assert run.returncode == 2 and "--tsa URL" in run.stderr


def test_lines_concerning_a_record_are_found_by_hash_or_key(tmp_path: Path) -> None:
    from archiver.custody.log import lines_concerning

    store = LocalStore(tmp_path / "s")
    crawl = append(store, "crawl", [], [Item("warc/a/x.warc.gz", "aa" * 32)])
    append(store, "export", [], [Item("out.jsonl", "bb" * 32)])
    package = append(store, "package", [Item("warc/a/x.warc.gz", "aa" * 32)], [Item("p.wacz", "cc" * 32)])
    assert [line.seq for line in lines_concerning(store, sha256s=["sha256:" + "aa" * 32])] == [1, 3]
    assert [line.data for line in lines_concerning(store, names=["warc/a/x.warc.gz"])] == [crawl.data, package.data]
    assert lines_concerning(store, sha256s=["dd" * 32]) == []
