"""Recrawls and fact-checker retrieval (issue 4), on the local store and on SeaweedFS S3.

A site the archive never saw is crawled, then changed (one article edited, one with only its menu changed, one
removed, one byte-identical, one answering 304 to a conditional request, one added) and crawled with --recrawl.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.catalog.cdxj import timestamp14
from archiver.store import open_store
from archiver.warc.validate import validate
from tests.conftest import ROOT, Run, archiver, crawl_args
from tests.fixtureweb.revisions import EDITED_PARAGRAPH, EDITED_TITLE, article_fields, revisions_site
from tests.fixtureweb.server import FixtureWeb, Site
from tests.seaweed import SeaweedS3


@dataclass
class Recrawled:
    store: str  # store URI
    env: dict[str, str]  # AWS variables and an isolated catalog cache
    site: Site
    first: Run
    second: Run
    between: str  # a time after the first crawl and before the second

    def run(self, *args: str) -> Run:
        return archiver(*args, f"--store={self.store}", env=self.env)

    def url(self, number: int) -> str:
        return self.site.url(f"/news/{number}/")

    def manifest(self, run: Run) -> dict:
        key = next(line.split("manifest: ")[1] for line in run.stdout.splitlines() if "manifest: " in line)
        return dict(json.loads(self.read(key.strip())))

    @contextmanager
    def _store(self) -> Iterator[Any]:
        """The store, opened with this archive's AWS variables set (boto3 reads them when it connects)."""
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            yield open_store(self.store)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def keys(self, prefix: str) -> list[str]:
        with self._store() as store:
            return [info.key for info in store.list(prefix)]

    def read(self, key: str) -> bytes:
        with self._store() as store, store.open(key) as handle:
            return bytes(handle.read())


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with FixtureWeb([revisions_site()]) as web:
        yield web["revisions"]


@pytest.fixture(scope="module")
def recrawled(site: Site, s3: SeaweedS3, s3_client, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Recrawled]:  # type: ignore[no-untyped-def]
    s3_client.create_bucket(Bucket="recrawl")
    stores = {
        "local": (str(tmp_path_factory.mktemp("recrawl-local")), {}),
        "s3": ("s3://recrawl/archive", dict(s3.env)),
    }
    for name, (_uri, env) in stores.items():
        env["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp(f"cache-{name}"))
        env["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp(f"state-{name}"))
    start = site.url("/")
    site.state["edition"] = 1
    first = {name: archiver(*crawl_args(start, store=uri), env=env) for name, (uri, env) in stores.items()}
    for name, run in first.items():
        assert run.returncode == 0, (name, run.stderr[-3000:])
    between = _utc_now()
    site.state["edition"] = 2
    second = {
        name: archiver(*crawl_args(start, store=uri, extra=("--recrawl",)), env=env)
        for name, (uri, env) in stores.items()
    }
    for name, run in second.items():
        assert run.returncode == 0, (name, run.stderr[-3000:])
    return {name: Recrawled(uri, env, site, first[name], second[name], between) for name, (uri, env) in stores.items()}


def _utc_now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture(params=["local", "s3"])
def archive(request: pytest.FixtureRequest, recrawled: dict[str, Recrawled]) -> Recrawled:
    return recrawled[request.param]


def _history(archive: Recrawled, number: int) -> list[dict]:
    run = archive.run("history", archive.url(number), "--format=json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_recrawl_manifest_counts_what_changed(archive: Recrawled) -> None:
    counts = archive.manifest(archive.second)["counts"]
    assert counts["articles_new"] == 1  # /news/6/
    assert counts["articles_changed"] == 1  # /news/1/
    assert counts["articles_unchanged"] == 2  # /news/2/ (menu only) and /news/4/ (identical)
    assert counts["revisits"] >= 1 and counts["not_modified"] == 1 and counts["gone"] == 1
    site_counts = archive.manifest(archive.second)["site_counts"]
    assert sum(c.get("articles_new", 0) for c in site_counts.values()) == 1


def test_an_identical_page_is_a_revisit_record(archive: Recrawled) -> None:
    history = _history(archive, 4)
    assert [h["record_type"] for h in history] == ["response", "revisit"]
    assert history[0]["content_hash"] == history[1]["content_hash"]
    revisit = archive.read(history[1]["warc_file"])
    records = {r.rec_headers.get_header("WARC-Record-ID"): r for r in _records(revisit)}
    record = records[history[1]["record_id"]]
    assert record.rec_headers.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert record.rec_headers.get_header("WARC-Refers-To-Target-URI") == archive.url(4)
    assert record.rec_headers.get_header("WARC-Refers-To-Date") == history[0]["captured_at"]


def _records(warc: bytes) -> list:  # type: ignore[type-arg]
    out = []
    for record in ArchiveIterator(io.BytesIO(warc)):
        record.content_stream().read()
        out.append(record)
    return out


def test_an_edit_is_a_new_version_and_the_old_one_stays(archive: Recrawled) -> None:
    history = _history(archive, 1)
    original_title, _ = article_fields(1, 1)
    assert [h["title"] for h in history] == [original_title, EDITED_TITLE]
    assert history[0]["content_hash"] != history[1]["content_hash"]
    assert [h["new_version"] for h in history] == [True, True]
    before = archive.run("snapshot", archive.url(1), f"--at={archive.between}")
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["title"] == original_title
    now = archive.run("snapshot", archive.url(1))
    assert json.loads(now.stdout)["title"] == EDITED_TITLE
    assert json.loads(now.stdout)["capture"]["record_id"] == history[1]["record_id"]


def test_a_menu_change_is_a_capture_not_a_version(archive: Recrawled) -> None:
    history = _history(archive, 2)
    assert [h["record_type"] for h in history] == ["response", "response"]  # the page bytes did change
    assert history[0]["payload_digest"] != history[1]["payload_digest"]
    assert history[0]["content_hash"] == history[1]["content_hash"]
    assert [h["new_version"] for h in history] == [True, False]
    article_id = history[0]["article_key"].split("/")[2]
    assert len([k for k in archive.keys("articles/") if f"/{article_id}/" in k]) == 1


def test_a_removed_article_stays_retrievable_and_exported(archive: Recrawled, tmp_path: Path) -> None:
    history = _history(archive, 3)
    assert [h["status"] for h in history] == [200, 404]
    assert history[1]["content_hash"] is None
    shot = archive.run("snapshot", archive.url(3))
    assert shot.returncode == 0
    assert json.loads(shot.stdout)["title"] == article_fields(3, 1)[0]
    assert "answered 404" in shot.stderr
    out = tmp_path / "all.jsonl"
    export = archive.run("export", "--format=jsonl", f"--out={out}")
    assert export.returncode == 0, export.stderr
    titles = {json.loads(line)["title"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert article_fields(3, 1)[0] in titles  # removed, still in the dataset
    assert article_fields(6, 2)[0] in titles  # added by the recrawl
    assert EDITED_TITLE in titles and article_fields(1, 1)[0] not in titles  # latest versions only


def test_a_conditional_request_gets_a_304_capture(archive: Recrawled) -> None:
    history = _history(archive, 5)
    assert [h["status"] for h in history] == [200, 304]
    assert history[1]["content_hash"] == history[0]["content_hash"]  # not modified: the version stands
    asked = [headers for _t, path, headers in archive.site.times if path == "/news/5/"]
    assert any(h.get("if-none-match") == '"r5-v1"' for h in asked)
    html = archive.run("snapshot", archive.url(5), "--format=html")
    assert article_fields(5, 1)[0] in html.stdout  # the 304 shows the body it confirmed


def test_html_snapshot_decodes_windows_1256(archive: Recrawled) -> None:
    run = archive.run("snapshot", archive.url(4), "--format=html")
    assert run.returncode == 0, run.stderr
    assert article_fields(4, 1)[0] in run.stdout
    assert "cp1256" in run.stderr


def test_warc_snapshot_is_standalone_and_valid(archive: Recrawled, tmp_path: Path) -> None:
    for number in (1, 4):  # a full response; a revisit (carries its original response along)
        out = tmp_path / f"snapshot-{number}.warc.gz"
        run = archive.run("snapshot", archive.url(number), "--format=warc", f"--out={out}")
        assert run.returncode == 0, run.stderr
        with out.open("rb") as handle:
            assert validate([(out.name, handle)]) == []
        check = subprocess.run(
            [str(Path(sys.executable).parent / "warcio"), "check", "-v", str(out)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout
        types = [r.rec_type for r in _records(out.read_bytes())]
        assert types[0] == "warcinfo" and "request" in types and "metadata" in types
        assert ("revisit" in types and "response" in types) if number == 4 else "response" in types


def test_history_diff_is_word_level(archive: Recrawled) -> None:
    run = archive.run("history", archive.url(1), "--diff")
    assert run.returncode == 0, run.stderr
    added = [line for line in run.stdout.splitlines() if line.strip().startswith("+ ")]
    assert any(EDITED_PARAGRAPH.split()[1] in line for line in added)
    assert "\u2068" in run.stdout  # right-to-left runs are isolated, never reordered


def test_unknown_url_and_too_early_exit_3(archive: Recrawled) -> None:
    unknown = archive.run("snapshot", archive.site.url("/news/99/"))
    assert unknown.returncode == 3 and "no capture" in unknown.stderr
    early = archive.run("snapshot", archive.url(1), "--at=2001-01-01")
    assert early.returncode == 3 and "at or before" in early.stderr
    bad = archive.run("snapshot", archive.url(1), "--at=yesterday")
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr


def test_a_fresh_machine_needs_only_the_store(archive: Recrawled, tmp_path: Path) -> None:
    fresh = {**archive.env, "XDG_CACHE_HOME": str(tmp_path / "cache"), "ARCHIVER_CATALOG": str(tmp_path / "c.sqlite")}
    run = archiver("history", archive.url(1), "--format=json", f"--store={archive.store}", env=fresh)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == _history(archive, 1)
    rebuilt = archiver("reindex", f"--store={archive.store}", env=fresh)
    assert rebuilt.returncode == 0 and "captures from" in rebuilt.stdout


def test_every_warc_is_valid_and_verify_passes(archive: Recrawled) -> None:
    warcs = [k for k in archive.keys("warc/") if k.endswith(".warc.gz")]
    assert validate([(k, io.BytesIO(archive.read(k))) for k in warcs]) == []
    indexes = archive.keys("indexes/")
    assert all(f"indexes/cdxj/{k.split('/')[1]}--{k.rsplit('/', 1)[1][:-8]}.cdxj" in indexes for k in warcs)
    run = archive.run("verify")
    assert run.returncode == 0, run.stdout


def test_verify_fails_after_one_byte_of_an_article_changes(recrawled: dict[str, Recrawled], tmp_path: Path) -> None:
    import shutil

    store = tmp_path / "store"
    shutil.copytree(recrawled["local"].store, store)
    victim = sorted((store / "articles").rglob("*.json"))[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    run = archiver("verify", f"--store={store}")
    assert run.returncode == 1
    assert f"{victim.relative_to(store)}: sha256" in run.stdout


def test_cdxj_lines_are_sorted_and_name_their_records(recrawled: dict[str, Recrawled]) -> None:
    archive = recrawled["local"]
    for key in archive.keys("indexes/cdxj/"):
        lines = archive.read(key).splitlines()
        assert lines == sorted(lines)
        for line in lines:
            fields = json.loads(line.split(b" ", 2)[2])
            member = Path(archive.store, fields["filename"]).read_bytes()[fields["offset"] :][: fields["length"]]
            assert gzip.decompress(member).startswith(b"WARC/1.1")


PYWB_CONFIG = """collections:
  libya:
    index_paths: {store}/indexes/cdxj/
    archive_paths: {store}/
"""


@pytest.fixture(scope="module")
def pywb(recrawled: dict[str, Recrawled], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """pywb's `wayback`, as docs/recrawls.md starts it, over the local store's own WARC files and CDXJ indexes."""
    import socket
    import time
    import urllib.request

    wayback = ROOT / ".venv-pywb" / "bin" / "wayback"
    assert wayback.exists(), "pywb is missing: run `make install` (it puts pywb in .venv-pywb/)"
    folder = tmp_path_factory.mktemp("pywb")
    (folder / "config.yaml").write_text(PYWB_CONFIG.format(store=recrawled["local"].store))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [str(wayback), "-p", str(port), "-b", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.3)
        yield base
    finally:
        proc.kill()
        proc.wait()


def _replay(base: str, stamp: str, url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(f"{base}/libya/{stamp}id_/{url}", timeout=30) as response:
        return bytes(response.read()).decode(response.headers.get_content_charset() or "utf-8")


def test_pywb_replays_captures_from_the_store(recrawled: dict[str, Recrawled], pywb: str) -> None:
    archive = recrawled["local"]
    first, second = _history(archive, 1)
    assert article_fields(1, 1)[0] in _replay(pywb, timestamp14(first["captured_at"]), archive.url(1))
    assert EDITED_TITLE in _replay(pywb, timestamp14(second["captured_at"]), archive.url(1))
    revisit = _history(archive, 4)[1]  # a revisit record: pywb finds the payload through the CDXJ digest
    page = _replay(pywb, timestamp14(revisit["captured_at"]), archive.url(4))
    assert article_fields(4, 1)[0] in page


def test_the_catalog_can_live_in_postgresql(recrawled: dict[str, Recrawled], postgres_catalog: str) -> None:
    archive = recrawled["s3"]
    history = archive.run("history", archive.url(1), "--format=json", f"--catalog={postgres_catalog}")
    assert history.returncode == 0, history.stderr
    assert json.loads(history.stdout) == _history(archive, 1)
    again = archive.run("reindex", f"--catalog={postgres_catalog}")
    assert again.returncode == 0, again.stderr
    shot = archive.run("snapshot", archive.url(3), f"--catalog={postgres_catalog}")
    assert json.loads(shot.stdout)["title"] == article_fields(3, 1)[0]
    other = recrawled["local"].run("history", archive.url(1), f"--catalog={postgres_catalog}")
    assert other.returncode == 2 and "indexes the store" in other.stderr  # one catalog per store


def test_an_unreachable_catalog_is_a_clear_usage_error(recrawled: dict[str, Recrawled]) -> None:
    run = recrawled["local"].run("history", recrawled["local"].url(1), "--catalog=postgresql://nobody@127.0.0.1:1/x")
    assert run.returncode == 2
    assert run.stderr.startswith("archiver: cannot connect to catalog") and len(run.stderr.splitlines()) == 1


def test_since_skips_feed_entries_dated_before(tmp_path: Path) -> None:
    from tests.fixtureweb.sites import feed_site

    site = feed_site("127.0.0.8")
    with FixtureWeb([site]):
        run = archiver(*crawl_args(site.url("/"), store=str(tmp_path), extra=("--since=2024-03-10",)))
        assert run.returncode == 0, run.stderr[-2000:]
        fetched = set(site.fetched("/news/"))
    assert fetched == {"/news/manuscripts-restored", "/news/cold-storage-call"}  # 11 and 13 March; not 7 and 9
    assert len(list((tmp_path / "articles").rglob("*.json"))) == 2
