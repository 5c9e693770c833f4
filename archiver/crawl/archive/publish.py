"""Publish a closed WARC file from the spool: its CDXJ index first, then the WARC (which leaves the spool).

Both puts are idempotent (the index of a given file is always the same bytes), so a crash between them is
repaired by running this again; the crawl and the spool recovery share it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from archiver.catalog.cdxj import CDXJ_CONTENT_TYPE, index_warc
from archiver.crawl.archive.spool import Spool
from archiver.store import PutResult, Store
from archiver.store.layout import cdxj_key


def publish_warc(
    store: Store, spool: Spool, key: str, path: Path, articles: Mapping[str, Mapping[str, str]] | None = None
) -> list[PutResult]:
    """`articles`: for an imported WARC, its responses' article links (archiver/catalog/cdxj.py index_warc)."""
    with path.open("rb") as handle:
        lines = index_warc(handle, key, articles)
    index = store.put_bytes(cdxj_key(key), b"".join(line + b"\n" for line in lines), content_type=CDXJ_CONTENT_TYPE)
    return [index, spool.upload(store, key, path)]
