"""A crawl's manifest: where it is kept and how it is written, from the spool's journal of what was stored.

Both the crawl archive (at a crawl's end) and recovery (for a crawl that died) write it, so it is theirs to share.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from archiver import SOFTWARE
from archiver.crawl.archive.spool import Spool
from archiver.records import Manifest
from archiver.store import Store
from archiver.store.layout import manifest_key


def write_manifest(
    store: Store,
    spool: Spool,
    crawl_id: str,
    status: str,
    started_at: datetime | None,
    finished_at: datetime,
    settings: dict[str, Any],
    sites: list[str],
    counts: dict[str, int],
    extra: dict[str, Any],
) -> str:
    objects = sorted(spool.read_journal(crawl_id), key=lambda entry: str(entry["key"]))
    manifest = Manifest(
        crawl_id, status, SOFTWARE, started_at, finished_at, sites, settings, counts, objects, extra=extra
    )
    key = manifest_key(crawl_id)
    store.put_bytes(key, manifest.to_json(), content_type="application/json")
    return key
