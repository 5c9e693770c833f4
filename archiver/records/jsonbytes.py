"""How a record becomes bytes in the store. Article versions and manifests are hashed (manifests list sha256 sums,
verify recomputes them), so this form never changes: UTF-8, Arabic as is (no \\u escapes), keys sorted, indent 1."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def json_bytes(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def stamp(moment: datetime) -> str:
    """A time as records write it: UTC with microseconds and a `Z` (the WARC/1.1 date form)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(text: str) -> datetime:
    """The UTC time a `stamp` (or any ISO 8601 text with an offset or `Z`) names."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
