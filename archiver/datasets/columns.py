"""The export columns, defined once: their order, what each means (for the dataset card) and their Parquet type.

The article fields come from the typed record (archiver/records); exports add a UTC twin beside every timestamp
(the instant, `YYYY-MM-DDTHH:MM:SSZ`, which jq's `fromdateiso8601` and every date parser read) while the original
keeps the offset the page gave. Parquet stores the twin as a timestamp and the original as text, so the local time
survives.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from archiver.records import ARTICLE_FIELDS, CAPTURE_FIELDS, Article, Capture

TIME_FIELDS = ("published_at", "updated_at")
EXPORT_ONLY = ("capture", "cluster_id", "duplicate_of")
LIBYA = timezone(timedelta(hours=2))  # a timestamp without a zone is Libya local time

NOTES = {
    "schema_version": "1: the version of the article JSON these rows follow",
    "id": "stable id of the article (same across versions): a hash of its normalised URL",
    "url": "the URL fetched",
    "canonical_url": "the page's own canonical URL when it declares one",
    "site": "registered site id, or the host for crawls of unregistered sites",
    "language": "ar, en, ... from markup and script",
    "title": "as published, without the site name, whitespace-normalised",
    "subtitle": "as published, or null",
    "authors": "person names from bylines, JSON-LD or meta; outlets and house accounts are not authors",
    "published_at": "local time as the page gave it, ISO 8601 with its offset (+02:00, Libya, when it gave none)",
    "published_at_utc": "the same instant in UTC, `YYYY-MM-DDTHH:MM:SSZ` (a UTC timestamp in Parquet)",
    "updated_at": "last update as the page gave it, with its offset, or null",
    "updated_at_utc": "the same instant in UTC, `YYYY-MM-DDTHH:MM:SSZ` (a timestamp in Parquet)",
    "section": "as published",
    "tags": "as published",
    "body": "article text as published, paragraphs joined by a blank line; no menus, share bars or source lines",
    "images": "list of {url, caption}",
    "original_source": "for reposts on aggregators: {name, url} of the outlet that first published the story",
    "content_hash": "sha256 of the normalised title and body: equal text, equal hash",
    "extraction": "which layer produced each field (`method`), the extractor version and the charset used",
    "capture": "the raw capture this row comes from: WARC file, record id, offset, length, payload digest; "
    "`fetched_at` as recorded and `fetched_at_utc` in the same `...Z` form as the other `_utc` columns; `source`: "
    "`crawl` (captured by this archive) or `imported` (from another archive's WARC/WACZ or a Wayback server, "
    "named by `imported_from`)",
    "cluster_id": "near-duplicate cluster (reposts, one story on several outlets): the id of its canonical row",
    "duplicate_of": "id of the cluster's canonical row (the one the others name as their source, else the "
    "earliest published) when this row repeats it; null for the canonical row and for unique stories",
}


def _column_order() -> tuple[str, ...]:
    columns: list[str] = []
    for name in ARTICLE_FIELDS:
        columns.append(name)
        if name in TIME_FIELDS:
            columns.append(f"{name}_utc")
    return (*columns, *EXPORT_ONLY)


COLUMNS = _column_order()
if set(NOTES) != set(COLUMNS):  # a field added to the article must be described and typed here too
    raise RuntimeError(f"export columns without a note, or notes without a column: {set(NOTES) ^ set(COLUMNS)}")


def instant(value: Any) -> datetime | None:
    """The UTC instant of an ISO 8601 timestamp (a naive one is Libya local time); None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LIBYA)
    return moment.astimezone(UTC)


def utc_text(value: Any) -> str | None:
    moment = instant(value)
    if moment is None:
        return None
    if moment.year < 1000:  # strftime's %Y does not pad such years; isoformat would
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"  # the same text, a third of the time


_SOURCES = tuple((name, name[: -len("_utc")] if name.endswith("_utc") else None) for name in COLUMNS)


def export_row(article: dict[str, Any], cluster_id: str, duplicate_of: str | None) -> dict[str, Any]:
    """One row in column order: the article as archived, plus the UTC twins and the near-duplicate links."""
    get = article.get
    row = {name: utc_text(get(source)) if source else get(name) for name, source in _SOURCES}
    capture = row["capture"]
    if isinstance(capture, dict):
        row["capture"] = dict(
            capture,
            fetched_at_utc=utc_text(capture.get("fetched_at")),
            # Article JSON written before imports existed names no source: those captures are our own.
            source=capture.get("source") or "crawl",
            imported_from=capture.get("imported_from"),
        )
    row["cluster_id"], row["duplicate_of"] = cluster_id, duplicate_of
    return row


def parquet_schema() -> Any:
    """The Parquet schema, column for column (pyarrow is imported only by Parquet exports)."""
    import pyarrow as pa

    text, stamp = pa.string(), pa.timestamp("us", tz="UTC")
    method = pa.struct([(name, text) for name in ARTICLE_FIELDS if name not in ("schema_version", "extraction")])
    # Plain fields take their type from the record; int32 for small counts, int64 for byte offsets and lengths.
    plain = {"int": pa.int32(), "str": text, "str | None": text, "list[str]": pa.list_(text)}
    hints = {item.name: str(item.type) for item in fields(Article)}
    capture_hints = {item.name: str(item.type) for item in fields(Capture)}
    capture_types = {"offset": pa.int64(), "length": pa.int64(), "fetched_at": text}
    capture: list[tuple[str, Any]] = []
    for name in CAPTURE_FIELDS:
        capture.append((name, capture_types.get(name) or plain[capture_hints[name]]))
        if name == "fetched_at":
            capture.append(("fetched_at_utc", stamp))
    types = {
        **{name: plain[hint] for name, hint in hints.items() if hint in plain},
        "images": pa.list_(pa.struct([("url", text), ("caption", text)])),
        "original_source": pa.struct([("name", text), ("url", text)]),
        "extraction": pa.struct(
            [
                ("method", method),
                ("extractor_version", text),
                ("encoding", pa.struct([("name", text), ("method", text), ("repaired", pa.bool_())])),
            ]
        ),
        # `source` and `imported_from` come from the record: `crawl` or `imported` (archiver/importing) and its origin.
        "capture": pa.struct(capture),
        **{f"{name}_utc": stamp for name in TIME_FIELDS},
    }
    return pa.schema([(name, types.get(name, text)) for name in COLUMNS])


def parquet_values(row: dict[str, Any]) -> dict[str, Any]:
    """A row as pyarrow takes it: the `_utc` twins as datetimes (to the second, as in the other formats)."""
    values = dict(row)
    for name in TIME_FIELDS:
        values[f"{name}_utc"] = instant(row.get(f"{name}_utc"))
    capture = row.get("capture")
    if isinstance(capture, dict):
        values["capture"] = dict(capture, fetched_at_utc=instant(capture.get("fetched_at_utc")))
    return values
