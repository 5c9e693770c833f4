"""Article JSON waiting for the store, kept in the spool until the store confirms it.

Each crawl appends the article JSON it is about to store to `articles/{crawl_id}.log` in the spool, before the
WARC metadata record naming it is written. A store write that fails (endpoint down, disk full) or a killed process
therefore never loses an article a metadata record promises: the crawl's close, or the next crawl's recovery,
stores every entry its journal does not list yet. An entry is a JSON header line (`key`, `size`), the body bytes
and a newline; a crash can cut only the last entry, whose metadata record was never written. A header with
`"cancel": true` withdraws an earlier entry (another crawl stored that version first).
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
        """Append one entry and hand it to the OS, so it survives the process (not fsynced: see spool journal)."""
        header = json.dumps({"key": key, "size": len(body)}, ensure_ascii=False).encode("utf-8")
        self._append(header + b"\n" + body + b"\n")

    def cancel(self, key: str) -> None:
        """Withdraw an entry: it is not to be stored."""
        self._append(json.dumps({"key": key, "size": 0, "cancel": True}, ensure_ascii=False).encode("utf-8") + b"\n\n")

    def _append(self, data: bytes) -> None:
        if self._handle is None:
            self._handle = self.path.open("ab", buffering=0)
        entry = memoryview(data)
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
    """Every complete entry of a pending log not withdrawn later, in order; stops at an entry cut by a crash."""
    cancelled = {key for key, _body, cancel in _entries(path, with_bodies=False) if cancel}
    for key, body, cancel in _entries(path, with_bodies=True):
        if not cancel and key not in cancelled:
            yield key, body


def _entries(path: Path, *, with_bodies: bool) -> Iterator[tuple[str, bytes, bool]]:
    if not path.exists():
        return
    with path.open("rb") as handle:
        while header := handle.readline():
            try:
                entry = json.loads(header)
                key, size, cancel = str(entry["key"]), int(entry["size"]), bool(entry.get("cancel"))
            except (ValueError, KeyError, TypeError):
                return
            if with_bodies:
                body = handle.read(size)
                if len(body) != size:
                    return
            else:
                body = b""
                handle.seek(size, os.SEEK_CUR)
            if handle.read(1) != b"\n":
                return
            yield key, body, cancel
