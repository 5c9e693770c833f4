"""Nothing captured is lost to a crash: SIGKILL a crawl halfway, the next run uploads what the spool holds."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from archiver.store.local import LocalStore
from archiver.warc.validate import validate
from tests.conftest import ROOT, archiver, crawl_args
from tests.fixtureweb.numbered import slow_site
from tests.fixtureweb.server import FixtureWeb


def test_sigkill_halfway_then_next_run_recovers_everything(tmp_path: Path) -> None:
    store = tmp_path / "archive"
    site = slow_site("127.0.0.21")
    with FixtureWeb([site]):
        args = crawl_args(
            site.url("/"),
            store=str(store),
            extra=("--crawl-id=killed-1", "--set=CONCURRENT_REQUESTS_PER_DOMAIN=1"),
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "archiver.cli", *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        open_dir = store / ".spool" / "open"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            articles = list((store / "articles").rglob("*.json")) if (store / "articles").exists() else []
            if len(articles) >= 8:
                break
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    written_before_kill = [json.loads(p.read_text()) for p in (store / "articles").rglob("*.json")]
    assert 8 <= len(written_before_kill) < 40, "the crawl was not killed halfway"
    assert [p for p in open_dir.iterdir() if p.name.endswith(".warc.gz")], "no open WARC in the spool"
    assert not (store / "crawls" / "killed-1").exists()

    # The next run, of anything, first finishes the dead crawl's work.
    other = slow_site("127.0.0.22", count=2, delay=0)
    with FixtureWeb([other]):
        run = archiver(*crawl_args(other.url("/"), store=str(store)))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "recovered from an earlier crash" in run.stderr

    manifest = json.loads((store / "crawls" / "killed-1" / "manifest.json").read_text())
    assert manifest["status"] == "recovered"
    listed = {entry["key"] for entry in manifest["objects"]}
    local = LocalStore(store)
    for article in written_before_kill:
        capture = article["capture"]
        assert capture["warc_file"] in listed
        raw = local.read_range(capture["warc_file"], capture["offset"], capture["length"])
        assert capture["record_id"].encode() in gzip.decompress(raw)
    warcs = sorted((store / "warc").rglob("*.warc.gz"))
    handles = [(str(p.relative_to(store)), p.open("rb")) for p in warcs]
    try:
        assert validate(handles) == []
    finally:
        for _n, handle in handles:
            handle.close()
    assert [p for p in (store / ".spool").rglob("*") if p.is_file()] == []

    # The recovered crawl is whole: verify passes, and its captures (indexed from the salvaged WARC) are found.
    check = archiver("verify", f"--store={store}")
    assert check.returncode == 0, check.stdout
    custody = [json.loads(line) for line in archiver("custody", "show", f"--store={store}").stdout.splitlines()]
    assert [line["action"] for line in custody] == ["crawl", "crawl", "verify"]  # the dead crawl's comes first
    assert custody[0]["outputs"][0]["name"] == "crawls/killed-1/manifest.json"
    assert set(listed) >= {o["name"] for o in custody[0]["outputs"][1:]} and len(custody[0]["outputs"]) > 1
    assert [k for k in listed if k.startswith("indexes/cdxj/")], "the recovered WARC got no CDXJ index"
    for article in written_before_kill[:3]:
        run = archiver("history", article["url"], "--format=json", f"--store={store}")
        assert run.returncode == 0, run.stderr
        assert article["capture"]["record_id"] in {h["record_id"] for h in json.loads(run.stdout)}


def test_recovery_leaves_the_closed_warcs_of_a_running_crawl(tmp_path: Path) -> None:
    """Several crawls (workers of a shared crawl) can share one spool: a live crawl uploads its own files."""
    from archiver.crawl.archive.recovery import recover_spool
    from archiver.crawl.archive.spool import Spool
    from archiver.warc import records
    from archiver.warc.writer import WarcFile

    store = LocalStore(tmp_path / "archive")
    spool = Spool.for_store(store)
    key = "warc/site/2026/01/01/live-1-00000.warc.gz"
    lock = spool.lock("live-1")
    warc = WarcFile(spool.open_path(key), key, [("software", "test")], records.utcnow())
    warc.close()
    spool.mark_closed(warc.path)
    assert recover_spool(store, spool).uploaded == []  # its crawl still holds the lock
    assert not store.exists(key)
    spool.finish("live-1", lock)  # the crawl is gone (here: ended without uploading)
    assert recover_spool(store, spool).uploaded == [key]
    assert store.exists(key) and store.exists("indexes/cdxj/site--live-1-00000.cdxj")


def test_a_journal_line_cut_by_a_full_disk_loses_no_later_line(tmp_path: Path) -> None:
    """A full disk cut the crawl's last journal line; recovery appends what it stores after it. Every complete line
    must still count, or the recovered manifest would miss objects the store holds."""
    from archiver.crawl.archive.spool import Spool

    spool = Spool(tmp_path / "spool")
    spool.append_journal("c1", {"key": "claims/s/a.1", "sha256": "1", "size": 1, "kind": "claim"})
    with spool.journal_path("c1").open("ab") as journal:
        journal.write(b'{"key": "articles/s/a/2024.json", "sha2')  # ENOSPC mid-line
    spool.append_journal("c1", {"key": "articles/s/b/2024.json", "sha256": "2", "size": 2, "kind": "article"})
    spool.append_journal("c1", {"key": "warc/s/x.warc.gz", "sha256": "3", "size": 3, "kind": "warc"})
    keys = [entry["key"] for entry in spool.read_journal("c1")]
    assert keys == ["claims/s/a.1", "articles/s/b/2024.json", "warc/s/x.warc.gz"]


def test_a_backfill_journal_cut_by_a_kill_keeps_the_next_run_s_events(tmp_path: Path) -> None:
    from datetime import date

    from archiver.crawl.discovery.backfill_journal import BackfillJournal

    path = tmp_path / "backfill" / "site.jsonl"
    first = BackfillJournal(path).open()
    first.close(finished=False)
    with path.open("ab") as journal:
        journal.write(b'{"q": "http://example.ly/page/9/", "p')  # killed mid-line
    resumed = BackfillJournal(path).open()
    resumed.reached(date(2019, 5, 14))
    resumed.close(finished=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[-2].startswith('{"q": ') and json.loads(lines[-1])  # the cut line stays cut, the new one whole
