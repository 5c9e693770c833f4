"""Fact-checkers' questions, answered from the catalog and the store: what did this URL say at time T
(`snapshot`), how did it change (`history`), and the raw records to prove it (a standalone WARC)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from archiver import SOFTWARE
from archiver.catalog.catalog import CaptureRow, Catalog
from archiver.catalog.cdxj import timestamp14, urlkey
from archiver.errors import ConfigError, NotFoundError
from archiver.retrieval.url_variants import lookup_variants
from archiver.warc import records
from archiver.warc.integrity import checked_record
from archiver.warc.writer import gzip_member

UNCHANGED_STATUSES = (304,)  # a not-modified answer confirms the version before it


@dataclass(frozen=True)
class HistoryEntry:
    """One capture of a URL with the article version it showed (inherited for revisits and 304s)."""

    capture: CaptureRow
    content_hash: str | None
    title: str | None
    article_key: str | None
    new_version: bool

    def as_dict(self) -> dict[str, Any]:
        row = self.capture
        return {
            "captured_at": row.captured_at,
            "status": row.status,
            "content_hash": self.content_hash,
            "title": self.title,
            "record_id": row.record_id,
            "warc_file": row.warc_file,
            "record_type": row.record_type,
            "offset": row.record_offset,
            "length": row.record_length,
            "payload_digest": row.payload_digest,
            "article_key": self.article_key,
            "new_version": self.new_version,
        }


def parse_at(value: str) -> str:
    """`--at` as a WARC date (UTC). A bare date means the end of that day (UTC); a time without offset is UTC."""
    text = value.strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(datetime.fromisoformat(text).date(), time.max, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--at {value!r}: give an ISO 8601 time, e.g. 2026-03-03T14:00:00+02:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return records.warc_date(moment)


@dataclass(frozen=True)
class UrlMatch:
    """The archived URL found for the URL asked about (a variant of it when the URL as given is not archived)."""

    asked: str
    url: str  # the URL as archived (newest capture's form)
    rows: list[CaptureRow]

    @property
    def note(self) -> str | None:
        """For stderr: which archived URL matched, when it is not the URL as given."""
        if self.url == self.asked.strip():
            return None
        return f"{self.asked} matched the archived URL {self.url}"


def find_url(catalog: Catalog, url: str) -> UrlMatch:
    """The captures of `url`, or of the first of its variants the archive holds (tracking parameters dropped,
    http/https, with or without `www.` and a trailing slash: archiver/retrieval/url_variants.py); NotFoundError naming
    the URL as given when none is archived."""
    catalog.sync()
    tried: set[str] = set()
    for variant in lookup_variants(url):
        key = urlkey(variant)
        if key in tried:
            continue
        tried.add(key)
        try:
            rows = catalog.captures(variant)
        except NotFoundError:
            continue
        return UrlMatch(url, rows[-1].url, rows)
    raise NotFoundError(
        f"no capture of {url} in {catalog.store.uri} (tracking parameters, http/https, www. and trailing-slash "
        "variants tried too; check the URL, or run `archiver crawl`)"
    )


def history(catalog: Catalog, url: str) -> list[HistoryEntry]:
    """Every capture of `url` (or of the archived variant `find_url` picks), oldest first, each with the article
    version it showed."""
    entries: list[HistoryEntry] = []
    seen_versions: set[str] = set()
    current: tuple[str | None, str | None, str | None] = (None, None, None)  # content_hash, title, key
    for row in find_url(catalog, url).rows:
        if row.article_key:
            current = (row.content_hash, row.title, row.article_key)
        elif row.record_type == "revisit" or row.status in UNCHANGED_STATUSES:
            pass  # same payload, or the server said not modified: the version before still stands
        else:
            current = (None, None, None)  # a 404, a redirect, a page that is no article
        key = current[2]
        is_new = bool(key) and key not in seen_versions
        if key:
            seen_versions.add(key)
        entries.append(HistoryEntry(row, current[0], current[1], key, is_new))
    return entries


def _at_or_before(entries: list[HistoryEntry], at: str | None, url: str) -> list[HistoryEntry]:
    chosen = [e for e in entries if at is None or e.capture.captured_at <= at]
    if not chosen:
        first = entries[0].capture.captured_at
        raise NotFoundError(f"no capture of {url} at or before {at} (the first is from {first})")
    return chosen


def snapshot(catalog: Catalog, url: str, at: str | None) -> CaptureRow:
    """The newest capture of `url` at or before T (any status)."""
    return _at_or_before(history(catalog, url), at, url)[-1].capture


def snapshot_article(catalog: Catalog, url: str, at: str | None) -> tuple[bytes, str | None]:
    """The article JSON (bytes as stored) of the version the URL showed at T, and a note for stderr.

    When the newest capture at T is a removal (404/410) the last version before it is returned, with a note:
    a deleted article stays retrievable."""
    entries = _at_or_before(history(catalog, url), at, url)
    newest = entries[-1]
    note = None
    shown = newest
    if newest.article_key is None:
        earlier = [e for e in entries if e.article_key]
        if not earlier:
            raise NotFoundError(f"{url} was captured but holds no article (try --format html)")
        shown = earlier[-1]
        note = (
            f"{url} answered {newest.capture.status} at {newest.capture.captured_at}; "
            f"showing the version captured {shown.capture.captured_at}"
        )
    assert shown.article_key is not None
    with catalog.store.open(shown.article_key) as handle:
        return handle.read(), note


# -- raw records ---------------------------------------------------------------------------------------------------
def _member(catalog: Catalog, warc_file: str, where: list[int] | tuple[int, int]) -> bytes:
    """One stored record, checked against its digests before it leaves the archive (DamagedRecordError if not)."""
    offset = int(where[0])
    return checked_record(catalog.store.read_range(warc_file, offset, int(where[1])), warc_file, offset)


def payload_capture(catalog: Catalog, row: CaptureRow) -> CaptureRow:
    """The capture that holds the body shown by `row`: itself, or for a revisit or a 304 the full response."""
    if row.record_type == "revisit" and row.digest:
        original = catalog.capture_by_digest(row.url, row.digest, row.captured_at)
        if original is None:
            raise NotFoundError(f"revisit {row.record_id} refers to a capture that is not in the store")
        return original
    if row.status in UNCHANGED_STATUSES:
        earlier = [r for r in catalog.captures(row.url) if r.captured_at < row.captured_at and r.status == 200]
        if earlier:
            return payload_capture(catalog, earlier[-1])
    return row


def _parsed(member: bytes) -> Any:
    from warcio.archiveiterator import ArchiveIterator  # only snapshots that read records need warcio

    return next(iter(ArchiveIterator(io.BytesIO(member))))


def snapshot_html(catalog: Catalog, url: str, at: str | None) -> tuple[str, str]:
    """The archived page as served, decoded for viewing (transfer and content coding undone, charset decoded);
    returns (html, a note naming the capture and the encoding)."""
    from archiver.bounded import decode_body, decode_max_size
    from archiver.extraction.encoding import decode_html

    shot = snapshot(catalog, url, at)
    source = payload_capture(catalog, shot)
    record = _parsed(_member(catalog, source.warc_file, (source.record_offset, source.record_length)))
    headers = {k: v for k, v in record.http_headers.headers} if record.http_headers else {}
    # The stored body is still chunked and content-encoded; a small gzip bomb must not inflate without bound.
    body = decode_body(record.raw_stream.read(), headers, decode_max_size())
    page = decode_html(body.data, headers)
    note = (
        f"capture {shot.record_id} of {shot.captured_at} (HTTP {shot.status}); "
        f"body from {source.warc_file}@{source.record_offset}, decoded as {page.encoding} ({page.method})"
    )
    if body.truncated:
        note += f"; decoding stopped early ({body.note}; the cap is ARCHIVER_DECODE_MAX_SIZE): the page is cut"
    return page.text, note


def snapshot_warc(catalog: Catalog, url: str, at: str | None, filename: str | None = None) -> bytes:
    """A small standalone WARC: a new warcinfo record, then the capture's records copied byte for byte (response
    or revisit, request, metadata; for a revisit or a 304 also the full response whose body it confirms)."""
    shot = snapshot(catalog, url, at)
    rows = [shot]
    source = payload_capture(catalog, shot)
    if source.record_id != shot.record_id:
        rows.insert(0, source)
    members: list[bytes] = []
    for row in rows:
        members.append(_member(catalog, row.warc_file, (row.record_offset, row.record_length)))
        extra = row.extra
        if "request" in extra:
            members.append(_member(catalog, row.warc_file, extra["request"]))
        members += [_member(catalog, row.warc_file, where) for where in extra.get("metadata", [])]
    name = filename or f"snapshot-{timestamp14(shot.captured_at)}.warc.gz"
    fields = [
        ("software", SOFTWARE),
        ("format", "WARC File Format 1.1"),
        ("description", f"records of one capture of {url}, copied byte for byte from the archive"),
        ("source-records", json.dumps([[r.warc_file, r.record_offset, r.record_length] for r in rows])),
        ("payload-digest", records.PAYLOAD_DIGEST_CONVENTION),
    ]
    info = records.warcinfo_record(name, fields, records.utcnow())
    return gzip_member(info) + b"".join(members)
