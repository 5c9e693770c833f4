"""Article JSON waiting for the store, kept in the spool until the store confirms it.

Each crawl appends the article JSON it is about to store to `articles/{crawl_id}.log` in the spool, before the
WARC metadata record naming it is written. A store write that fails (endpoint down, disk full) or a killed process
therefore never loses an article a metadata record promises: the crawl's close, or the next crawl's recovery,
stores every entry its journal does not list yet. An entry is a JSON header line (`key`, `size`), the body bytes
and a newline; a crash can cut only the last entry, whose metadata record was never written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def pending_path(spool_root: Path, crawl_id: str) -> Path:
    return spool_root / "articles" / f"{crawl_id}.log"


class PendingArticles:
    """The append side, owned by one crawl (reactor thread only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def add(self, key: str, body: bytes) -> None:
        """Append one entry and flush it to the OS, so it survives the process (not fsynced: see spool journal)."""
        if self._handle is None:
            self._handle = self.path.open("ab", buffering=0)
        header = json.dumps({"key": key, "size": len(body)}, ensure_ascii=False).encode("utf-8")
        entry = memoryview(header + b"\n" + body + b"\n")
        start = self._handle.seek(0, os.SEEK_END)
        try:
            while entry:
                entry = entry[self._handle.write(entry) or 0 :]
        except OSError:
            os.ftruncate(self._handle.fileno(), start)  # a failed entry (disk full) is not left half written
            raise

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def read_pending(path: Path) -> Iterator[tuple[str, bytes]]:
    """Every complete entry of a pending log, in order; stops at an entry cut by a crash."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        while header := handle.readline():
            try:
                entry = json.loads(header)
                key, size = str(entry["key"]), int(entry["size"])
            except (ValueError, KeyError, TypeError):
                return
            body = handle.read(size)
            if len(body) != size or handle.read(1) != b"\n":
                return
            yield key, body
