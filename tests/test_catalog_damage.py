"""A damaged catalog is derived data: commands say so in one line, `reindex` sets the file aside and rebuilds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import CrawledArchive, archiver


def test_a_damaged_catalog_is_named_and_rebuilt(crawled: CrawledArchive, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(crawled.store, store)
    catalog = store / ".catalog" / "catalog.sqlite"
    for extra in (catalog.with_name("catalog.sqlite-wal"), catalog.with_name("catalog.sqlite-shm")):
        extra.unlink(missing_ok=True)
    garbage = b"\x00not a database\xff" * 4096
    catalog.write_bytes(garbage)
    article = json.loads(next((store / "articles").rglob("*.json")).read_text(encoding="utf-8"))

    for args in (["history", article["url"]], ["snapshot", article["url"]]):
        run = archiver(*args, f"--store={store}")
        assert run.returncode == 1, run.stderr
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in run.stderr
        assert lines[0].startswith(f"archiver: catalog {catalog} is damaged") and "archiver reindex" in lines[0]

    rebuilt = archiver("reindex", f"--store={store}")
    assert rebuilt.returncode == 0, rebuilt.stderr
    aside = [p for p in catalog.parent.iterdir() if p.name.startswith("catalog.sqlite.damaged-")]
    assert len(aside) == 1 and aside[0].read_bytes() == garbage  # moved, never deleted
    assert f"set aside as {aside[0]}" in rebuilt.stderr

    run = archiver("history", article["url"], "--format=json", f"--store={store}")
    assert run.returncode == 0, run.stderr
    assert article["capture"]["record_id"] in {entry["record_id"] for entry in json.loads(run.stdout)}
