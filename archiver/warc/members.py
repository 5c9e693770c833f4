"""Walk the gzip members of a .warc.gz file: one member per record, as WARC files are written here."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

READ_SIZE = 256 * 1024


@dataclass(frozen=True)
class Member:
    offset: int
    length: int
    data: bytes  # decompressed record bytes


class TruncatedMember(Exception):
    def __init__(self, offset: int) -> None:
        super().__init__(f"gzip member at offset {offset} is truncated")
        self.offset = offset


def iter_members(handle: BinaryIO) -> Iterator[Member]:
    """Yield each complete gzip member; raise TruncatedMember (or zlib.error) for a damaged one."""
    offset = 0
    pending = b""
    while True:
        if not pending:
            pending = handle.read(READ_SIZE)
            if not pending:
                return
        decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = [decomp.decompress(pending)]
        consumed = len(pending)
        while not decomp.eof:
            more = handle.read(READ_SIZE)
            if not more:
                raise TruncatedMember(offset)
            out.append(decomp.decompress(more))
            consumed += len(more)
        pending = decomp.unused_data
        length = consumed - len(pending)
        yield Member(offset, length, b"".join(out))
        offset += length


def complete_prefix_length(handle: BinaryIO) -> int:
    """Length of the longest prefix made of complete WARC records (used to salvage a file cut by a crash)."""
    good = 0
    try:
        for member in iter_members(handle):
            if not member.data.startswith(b"WARC/") or not member.data.endswith(b"\r\n\r\n"):
                break
            good = member.offset + member.length
    except (TruncatedMember, zlib.error):
        pass
    return good
