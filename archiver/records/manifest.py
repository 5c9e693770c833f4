"""A crawl's manifest (`crawls/{crawl_id}/manifest.json`): what the crawl was and every object it stored."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from archiver.records.jsonbytes import json_bytes, parse_stamp, stamp


@dataclass(frozen=True)
class Manifest:
    crawl_id: str
    status: str  # "complete", or "recovered" when recovery wrote it for a crawl that died
    software: str  # archiver name and version
    started_at: datetime | None  # None when recovery wrote it (the start was not recorded)
    finished_at: datetime
    sites: list[str]
    settings: dict[str, Any]  # the crawl's effective settings
    counts: dict[str, int]
    objects: list[dict[str, Any]]  # {key, sha256, size, kind} of every stored object, sorted by key
    schema_version: int = 1
    # Fields some manifests add beside these (extraction, site_counts, limits, job, worker, ...), written as is.
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        values = {item.name: getattr(self, item.name) for item in fields(self) if item.name != "extra"}
        values["started_at"] = stamp(self.started_at) if self.started_at else None
        values["finished_at"] = stamp(self.finished_at)
        return {**values, **self.extra}

    def to_json(self) -> bytes:
        """The bytes stored (hashed by whoever keeps a manifest's sum: see archiver/records/jsonbytes.py)."""
        return json_bytes(self.as_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        known = {name: data[name] for name in MANIFEST_FIELDS if name in data}
        started = known.get("started_at")
        known["started_at"] = parse_stamp(started) if isinstance(started, str) and started else None
        known["finished_at"] = parse_stamp(str(data["finished_at"]))
        extra = {name: value for name, value in data.items() if name not in MANIFEST_FIELDS}
        return cls(**known, extra=extra)


MANIFEST_FIELDS = tuple(item.name for item in fields(Manifest) if item.name != "extra")
