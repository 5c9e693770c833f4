"""Append WARC records to gzip files in the spool, one gzip member per record, rotating at a size limit."""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

from archiver.warc.records import warcinfo_record

DEFAULT_MAX_SIZE = 1024**3  # 1 GB, the usual WARC file size
GZIP_LEVEL = 6


class _Writer(WARCWriter):  # type: ignore[misc]  # warcio ships no type hints
    # warcio would add a WARC-Payload-Digest to metadata records, which carry fields, not an HTTP payload;
    # FastWARC and warcat reject such records. Ours and revisits' digests are set explicitly where they belong.
    NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "revisit", "metadata")


@dataclass(frozen=True)
class RecordLocation:
    warc_file: str  # store key of the WARC file
    offset: int  # byte offset of the record's gzip member
    length: int  # compressed length of that member


class WarcFile:
    """One open WARC file in the spool. Records are flushed as written, so a crash loses at most the last one."""

    def __init__(self, path: Path, key: str, info_fields: list[tuple[str, str]], moment: datetime) -> None:
        self.path = path
        self.key = key
        # Unbuffered: each record is one write, and a failed one (disk full) is cut off again, never half kept.
        self._handle: BinaryIO = path.open("xb", buffering=0)
        self._buffer = io.BytesIO()
        # warcio serialises the record into a buffer; we gzip it as one member at a moderate level (warcio's own
        # wrapper uses level 9, about twice the CPU for a few per cent of size).
        self._writer = _Writer(self._buffer, gzip=False, warc_version="1.1")
        self.write(warcinfo_record(key.rsplit("/", 1)[-1], info_fields, moment))

    @property
    def size(self) -> int:
        return self._handle.tell()

    def write(self, record: ArcWarcRecord) -> RecordLocation:
        offset = self._handle.tell()
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.write_record(record)
        member = memoryview(_gzip(self._buffer.getvalue()))
        try:
            while member:
                member = member[self._handle.write(member) or 0 :]
        except OSError:
            os.ftruncate(self._handle.fileno(), offset)
            self._handle.seek(offset)
            raise
        return RecordLocation(self.key, offset, self._handle.tell() - offset)

    def close(self) -> None:
        try:
            os.fsync(self._handle.fileno())
        finally:
            self._handle.close()


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def gzip_member(record: ArcWarcRecord) -> bytes:
    """One record as one gzip member, as the archive's WARC files hold them."""
    buffer = io.BytesIO()
    _Writer(buffer, gzip=False, warc_version="1.1").write_record(record)
    return _gzip(buffer.getvalue())


class RotatingWarcWriter:
    """Writes records for one site of one crawl into ``{site}-{crawl_id}-{serial}.warc.gz`` files.

    `open_file(serial)` returns (spool path, store key) for a new file; `on_closed(file)` receives each file once it
    is complete (to upload it). Rotation happens between capture events, never inside one, so a request and
    its response always share a file (an article's metadata record may land in the next file).
    """

    def __init__(
        self,
        open_file: Callable[[int], tuple[Path, str]],
        on_closed: Callable[[WarcFile], None],
        info_fields: list[tuple[str, str]],
        max_size: int = DEFAULT_MAX_SIZE,
        info_clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`info_clock`: the time of each file's warcinfo record, when not that of its first event (an import's
        first event is a capture made years ago; its file is made now)."""
        self._open_file = open_file
        self._info_clock = info_clock
        self._on_closed = on_closed
        self._info_fields = info_fields
        self.max_size = max_size
        self._serial = 0
        self._current: WarcFile | None = None

    def write_event(self, records: list[ArcWarcRecord], moment: datetime) -> list[RecordLocation]:
        if self._current is not None and self._current.size >= self.max_size:
            self._close_current()
        if self._current is None:
            path, key = self._open_file(self._serial)
            self._serial += 1
            self._current = WarcFile(path, key, self._info_fields, self._info_clock() if self._info_clock else moment)
        return [self._current.write(record) for record in records]

    def _close_current(self) -> None:
        if self._current is not None:
            current, self._current = self._current, None
            current.close()
            self._on_closed(current)

    def close(self) -> None:
        self._close_current()
