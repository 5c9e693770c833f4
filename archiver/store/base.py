"""The small protocol every store implements, and what it returns."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class PutResult:
    key: str
    sha256: str  # hex digest of the stored bytes
    size: int
    created: bool  # False when an identical object was already stored (an idempotent retry)


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


class Store(Protocol):
    """Immutable object storage: a key is written once and never overwritten.

    Keys are '/'-separated relative paths (``warc/site/2026/11/29/x.warc.gz``), the same on disk and in S3.
    """

    uri: str

    def check_writable(self) -> None:
        """Raise StoreError (with the fix in its message) if objects cannot be written here."""

    def check_readable(self) -> None:
        """Raise StoreUnavailableError (with the fix in its message) if the store does not exist or cannot be read."""

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> PutResult:
        """Store `data` under `key` unless it exists; an identical existing object counts as success."""

    def put_file(self, key: str, path: Path, *, content_type: str) -> PutResult:
        """Like put_bytes, streaming from a local file (large WARCs)."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream; raises NotFoundError when the key is absent."""

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        """`length` bytes of the object starting at `offset` (one WARC record)."""

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, lazily, in a stable order."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_key(key: str) -> str:
    """Refuse keys that could escape the store root or collide with temporary files."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise ValueError(f"invalid store key: {key!r}")
    return key
