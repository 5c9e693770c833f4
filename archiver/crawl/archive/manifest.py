"""A crawl's manifest: where it is kept and how it is written, from the spool's journal of what was stored.

Both the crawl archive (at a crawl's end) and recovery (for a crawl that died) write it, so it is theirs to share.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from archiver import SOFTWARE
from archiver.crawl.archive.spool import Spool
from archiver.store import Store
from archiver.warc import records


def manifest_key(crawl_id: str) -> str:
    return f"crawls/{crawl_id}/manifest.json"


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
    manifest = {
        "schema_version": 1,
        "crawl_id": crawl_id,
        "status": status,
        "software": SOFTWARE,
        "started_at": records.warc_date(started_at) if started_at else None,
        "finished_at": records.warc_date(finished_at),
        "sites": sites,
        "settings": settings,
        "counts": counts,
        "objects": objects,
        **extra,
    }
    key = manifest_key(crawl_id)
    body = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    store.put_bytes(key, body, content_type="application/json")
    return key
