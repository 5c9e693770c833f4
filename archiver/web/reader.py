"""The questions the pages and the API ask of the archive, answered by the same library calls as the CLI
(archiver/retrieve.py, archiver/textdiff.py, archiver/ops/). One catalog connection per request: the app keeps
no state of its own, so any number of replicas can serve behind a load balancer."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from archiver.catalog.catalog import Catalog
from archiver.catalog.cdxj import timestamp14
from archiver.errors import ArchiverError, NotFoundError
from archiver.retrieval.localtime import libya_time
from archiver.retrieval.lookup import HistoryEntry, _member, find_url, history, payload_capture, snapshot
from archiver.store import Store, open_existing_store
from archiver.store.layout import CRAWLS_PREFIX, is_manifest_key


@dataclass(frozen=True)
class ArchiveSource:
    store_uri: str
    catalog_url: str | None

    def store(self) -> Store:
        return open_existing_store(self.store_uri)

    @contextmanager
    def catalog(self) -> Iterator[Catalog]:
        catalog = Catalog.open(self.store(), self.catalog_url)
        try:
            yield catalog
        finally:
            catalog.close()


def times(warc_date: str) -> dict[str, str]:
    return {"utc": warc_date, "libya": libya_time(warc_date)}


def timeline(catalog: Catalog, url: str) -> tuple[str, list[HistoryEntry]]:
    match = find_url(catalog, url)
    return match.url, history(catalog, match.url)


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "del", "ins"
    text: str


def diff_segments(old: str, new: str) -> list[Segment]:
    """Word-level diff as runs in reading order; the page puts each run in its own element, so right-to-left text
    keeps its order and the markers never reorder the archived words."""
    a, b = old.split(), new.split()
    out: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(Segment("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Segment("del", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(Segment("ins", " ".join(b[j1:j2])))
    return out


def read_json(store: Store, key: str) -> dict[str, Any]:
    with store.open(key) as handle:
        value: dict[str, Any] = json.loads(handle.read())
    return value


def manifest_of(store: Store, warc_file: str) -> tuple[str, str] | None:
    """The crawl manifest that lists `warc_file`, and the sha256 of the manifest's bytes."""
    for info in store.list(CRAWLS_PREFIX):
        if not is_manifest_key(info.key):
            continue
        with store.open(info.key) as handle:
            data = handle.read()
        if any(entry.get("key") == warc_file for entry in json.loads(data).get("objects", [])):
            return info.key, hashlib.sha256(data).hexdigest()
    return None


def provenance(catalog: Catalog, entry: HistoryEntry) -> dict[str, Any]:
    row = entry.capture
    source = payload_capture(catalog, row)
    found = manifest_of(catalog.store, row.warc_file)
    return {
        "captured_at": times(row.captured_at),
        "status": row.status,
        "record_type": row.record_type,
        "record_id": row.record_id,
        "warc_file": row.warc_file,
        "offset": row.record_offset,
        "length": row.record_length,
        "payload_digest": row.payload_digest,
        "body_from": None if source.record_id == row.record_id else f"{source.warc_file}@{source.record_offset}",
        "manifest": found[0] if found else None,
        "manifest_sha256": found[1] if found else None,
        "article_key": entry.article_key,
    }


def check_capture(catalog: Catalog, url: str, at: str | None) -> dict[str, Any]:
    """Re-read the capture's record from the store now and check it against its own digests."""
    row = snapshot(catalog, url, at)
    base = {"record_id": row.record_id, "warc_file": row.warc_file, "offset": row.record_offset}
    try:
        member = _member(catalog, row.warc_file, (row.record_offset, row.record_length))
    except ArchiverError as exc:
        return {**base, "intact": False, "message": str(exc)}
    return {
        **base,
        "intact": True,
        "sha256": hashlib.sha256(member).hexdigest(),
        "length": len(member),
        "message": f"record read again from the store: {len(member)} bytes, digests match",
    }


def find_entry(entries: list[HistoryEntry], at: str | None) -> HistoryEntry:
    chosen = [e for e in entries if at is None or e.capture.captured_at <= at]
    if not chosen:
        raise NotFoundError(f"no capture at or before {at}")
    return chosen[-1]


def versions(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    return [e for e in entries if e.new_version]


def replay_path(url: str, captured_at: str) -> str:
    # mp_: the page alone, without pywb's banner frame around it
    return f"/libya/{timestamp14(captured_at)}mp_/{url}"


def sites_data(src: ArchiveSource) -> list[dict[str, Any]]:
    from croniter import croniter

    from archiver.sites import profiles

    out = []
    now = datetime.now(UTC)
    for site_id, profile in sorted(profiles().items()):
        schedule = getattr(profile, "schedule", None)
        next_run = None
        if schedule:
            try:
                next_run = croniter(schedule, now).get_next(datetime).strftime("%Y-%m-%dT%H:%M:%SZ")
            except (ValueError, KeyError):
                next_run = None
        out.append(
            {
                "id": site_id,
                "name": getattr(profile, "name", site_id),
                "language": getattr(profile, "language", None),
                "schedule": schedule,
                "next_run": next_run,
            }
        )
    return out
