"""Where one HTTP response lives in the archive: the `capture` object of an article version."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from archiver.records.jsonbytes import parse_stamp, stamp


@dataclass(frozen=True)
class Capture:
    url: str  # the URL fetched (after redirects: the response's own)
    fetched_at: datetime  # when the response arrived, UTC; written as `stamp` text
    status: int  # HTTP status
    warc_file: str  # store key of the WARC file holding the response record
    record_id: str  # the response record's WARC-Record-ID
    offset: int  # byte offset of the record's gzip member in the WARC file
    length: int  # length of that gzip member in bytes
    payload_digest: str  # WARC-Payload-Digest of the response body
    source: str = "crawl"  # "crawl" (captured by us) or "imported" (archiver/importing: a WARC/WACZ or a Wayback)
    imported_from: str | None = None  # for imported captures: the file or archive URL they came from

    def __post_init__(self) -> None:
        object.__setattr__(self, "fetched_at", self.fetched_at.astimezone(UTC))

    def as_dict(self) -> dict[str, Any]:
        """The JSON object, fields in this order, `fetched_at` as text."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        values["fetched_at"] = stamp(self.fetched_at)
        if self.imported_from is None:
            del values["imported_from"]  # only imported captures name an origin
        return values

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Capture:
        values = {name: data[name] for name in CAPTURE_FIELDS if name in data or name not in OPTIONAL_FIELDS}
        values["fetched_at"] = parse_stamp(str(data["fetched_at"]))
        return cls(**values)


CAPTURE_FIELDS = tuple(field.name for field in fields(Capture))
OPTIONAL_FIELDS = ("source", "imported_from")  # absent from article JSON written before imports existed
