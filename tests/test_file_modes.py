"""Stored objects and export files follow the umask, so a replay server or a colleague can read the archive."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from archiver.store.local import LocalStore
from tests.conftest import FAST_SETTINGS, ROOT
from tests.fixtureweb.server import FixtureWeb


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _archiver_under_umask(mask: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archiver.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
        check=False,
        preexec_fn=lambda: os.umask(mask),  # noqa: PLW1509 - the child's umask is what is under test
    )


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_local_store_objects_follow_the_umask(tmp_path: Path, mask: int, expected: int) -> None:
    store = LocalStore(tmp_path / "store")
    with _umask(mask):
        store.put_bytes("articles/x/1.json", b"{}", content_type="application/json")
        source = tmp_path / "source.bin"
        source.write_bytes(b"WARC")
        store.put_file("warc/x/a.warc.gz", source, content_type="application/warc")
    assert _mode(tmp_path / "store" / "articles" / "x" / "1.json") == expected
    assert _mode(tmp_path / "store" / "warc" / "x" / "a.warc.gz") == expected


def test_a_crawl_and_its_exports_are_readable_under_umask_022(web: FixtureWeb, tmp_path: Path) -> None:
    store = tmp_path / "archive"
    sets = [f"--set={s}" for s in FAST_SETTINGS]
    crawl = _archiver_under_umask(0o022, "crawl", f"--start-url={web['legacy'].origin}/", f"--store={store}", *sets)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    stored = [p for p in store.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.parts)]
    assert any(p.suffix == ".gz" for p in stored) and any(p.name == "manifest.json" for p in stored)
    assert {str(p.relative_to(store)): oct(_mode(p)) for p in stored if _mode(p) != 0o644} == {}
    for fmt in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"rows.{fmt}"
        run = _archiver_under_umask(0o022, "export", "--format", fmt, "--out", str(out), f"--store={store}")
        assert run.returncode == 0, run.stderr
        for path in (out, Path(f"{out}.manifest.json"), Path(f"{out}.README.md")):
            assert oct(_mode(path)) == oct(0o644), path


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640)])
def test_batched_objects_and_claims_follow_the_umask(tmp_path: Path, mask: int, expected: int) -> None:
    store = LocalStore(tmp_path / "store")
    with _umask(mask):
        store.put_many([("articles/x/1.json", b"{}"), ("articles/x/2.json", b"[]")], content_type="application/json")
        store.claim_bytes("articles/x/claim", b"mine")
    for name in ("1.json", "2.json", "claim"):
        assert oct(_mode(tmp_path / "store" / "articles" / "x" / name)) == oct(expected), name
