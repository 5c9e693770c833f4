"""`archiver replay`: pywb over the store (local or S3), configured in a temporary folder, stopped with the command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.conftest import ROOT, CrawledArchive, archiver, crawl_args
from tests.fixtureweb.server import FixtureWeb
from tests.seaweed import SeaweedS3


def _timestamp14(fetched_at: str) -> str:
    return "".join(ch for ch in fetched_at if ch.isdigit())[:14]


def _replayed(store: str, article: dict, cwd: Path, env: dict[str, str] | None = None) -> tuple[bytes, str]:
    """Start `archiver replay`, fetch the article's capture raw (`id_`), stop it; (page bytes, base URL)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", "replay", f"--store={store}", "--port=0"],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready.startswith("replaying "), ready + (proc.stderr.read() if proc.stderr else "")
        collection = ready.split(" at ", 1)[1].strip()
        url = f"{collection}{_timestamp14(article['capture']['fetched_at'])}id_/{article['url']}"
        with urllib.request.urlopen(url, timeout=30) as response:
            page = bytes(response.read())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    base = collection.rsplit("/", 2)[0]
    try:
        urllib.request.urlopen(base + "/", timeout=5)
        raise AssertionError("pywb still answers after archiver replay stopped")
    except OSError:
        pass
    return page, base


def test_replay_serves_a_local_store_and_leaves_no_config_behind(crawled: CrawledArchive, tmp_path: Path) -> None:
    article = json.loads(next((crawled.store / "articles").rglob("*.json")).read_text(encoding="utf-8"))
    page, _base = _replayed(str(crawled.store), article, cwd=ROOT)
    assert article["title"].encode("utf-8") in page
    assert not (ROOT / "config.yaml").exists()


def test_replay_serves_an_s3_store(web: FixtureWeb, s3: SeaweedS3, bucket: str, tmp_path: Path) -> None:
    store = f"s3://{bucket}/archive"
    crawl = archiver(*crawl_args(f"{web['legacy'].origin}/", store=store), env=s3.env)
    assert crawl.returncode == 0, crawl.stderr
    export = tmp_path / "rows.jsonl"
    assert archiver("export", "--format=jsonl", f"--out={export}", f"--store={store}", env=s3.env).returncode == 0
    article = json.loads(export.read_text(encoding="utf-8").splitlines()[0])
    page, _base = _replayed(store, article, cwd=tmp_path, env=s3.env)
    assert article["title"].encode("windows-1256") in page  # the legacy site's pages, as served
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["rows.jsonl", "rows.jsonl.manifest.json", "rows.jsonl.README.md"]
    )


def test_replay_on_a_taken_port_is_one_line(crawled: CrawledArchive) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        run = archiver("replay", f"--store={crawled.store}", f"--port={taken.getsockname()[1]}")
    assert run.returncode == 2 and "--port" in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr


def test_replay_without_pywb_names_the_fix(crawled: CrawledArchive, tmp_path: Path) -> None:
    run = archiver("replay", f"--store={crawled.store}", env={"ARCHIVER_PYWB": str(tmp_path / "no-wayback")})
    assert run.returncode == 2 and "make install" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_replay_of_a_store_never_crawled_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    run = archiver("replay", f"--store={tmp_path / 'empty'}")
    assert run.returncode == 3 and "archiver reindex" in run.stderr, run.stderr
    assert not (tmp_path / "empty" / "indexes").exists()
