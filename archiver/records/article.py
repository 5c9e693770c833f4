"""One article version as the archive keeps it (`articles/{site}/{id}/{version}.json`).

`Article` is the definition of the format: ARTICLE_FIELDS (what extraction returns, in order), the export columns
and the Parquet schema derive from it. A field added here must be described in docs/formats.md (a test checks)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from archiver.records.capture import Capture
from archiver.records.jsonbytes import json_bytes

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Article:
    schema_version: int
    id: str
    url: str
    canonical_url: str | None
    site: str | None
    language: str | None
    title: str | None
    subtitle: str | None
    authors: list[str]
    published_at: str | None  # as the page gave it (ISO 8601; naive means Libya local time)
    updated_at: str | None
    section: str | None
    tags: list[str]
    body: str
    images: list[dict[str, str | None]]
    original_source: dict[str, str | None] | None
    content_hash: str
    extraction: dict[str, Any]
    capture: Capture | None = field(default=None)  # added by the crawl; extraction alone has none

    def as_dict(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in ARTICLE_FIELDS}
        if self.capture is not None:
            values["capture"] = self.capture.as_dict()
        return values

    def to_json(self) -> bytes:
        """The bytes stored for this version (hashed: see archiver/records/jsonbytes.py)."""
        return json_bytes(self.as_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """The record of an article object. A field this class does not know is an error, never dropped: the JSON
        written from the record must hold everything the object held."""
        unknown = set(data) - {*ARTICLE_FIELDS, "capture"}
        if unknown:
            raise ValueError(f"article fields not in the Article record: {sorted(unknown)}")
        capture = data.get("capture")
        values: dict[str, Any] = {name: data.get(name) for name in ARTICLE_FIELDS}
        return cls(
            **values,
            capture=Capture.from_dict(capture) if isinstance(capture, dict) else None,
        )


# The article's own fields, in order: what extraction returns (the crawl adds `capture`).
ARTICLE_FIELDS = tuple(item.name for item in fields(Article) if item.name != "capture")
