"""A full disk: the crawl stops fetching what it cannot store and says so in one line; after space is freed, the
next crawl stores what the spool kept and `verify` passes. The store is a small tmpfs mounted for the test."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import archiver, crawl_args
from tests.fixtureweb.numbered import numbered_article, numbered_site
from tests.fixtureweb.server import FixtureWeb, Request

ARTICLES = 300


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=False)  # lazily, if a process still holds it


def test_a_full_disk_stops_the_crawl_with_one_line(small_disk: Path) -> None:
    store = small_disk / "archive"

    def article(req: Request):  # type: ignore[no-untyped-def]
        return numbered_article(int(req.path.rsplit("/", 2)[-2]), number_in_title=True)

    site = numbered_site("full", "127.0.0.64", ARTICLES, article)
    with FixtureWeb([site]):
        run = archiver(*crawl_args(site.url("/"), store=str(store)))
        fetched_when_full = len(site.fetched("/news/"))
        assert run.returncode == 1, run.stderr[-3000:]
        assert "Traceback" not in run.stderr and "OSError" not in run.stderr
        last = run.stderr.strip().splitlines()[-1]
        assert last.startswith("archiver: disk full (") and "free space" in last
        stored = list((store / "articles").rglob("*.json")) if (store / "articles").exists() else []
        pending = sum(p.read_bytes().count(b'{"key": "articles/') for p in (store / ".spool" / "articles").glob("*"))
        kept = len(stored) + pending
        # Fetching stops once nothing more can be kept: only the requests already in flight come after.
        assert fetched_when_full < ARTICLES
        assert fetched_when_full - kept <= 40, (fetched_when_full, kept)

        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)  # space freed
        again = archiver(*crawl_args(site.url("/"), store=str(store)))
        assert again.returncode == 0, again.stderr[-3000:]
    assert "recovered from an earlier crash" in again.stderr
    assert len(list((store / "articles").rglob("*.json"))) == ARTICLES
    check = archiver("verify", f"--store={store}")
    assert check.returncode == 0, check.stdout
