"""Bounded decoding: inflate gzip/deflate bodies in steps and stop at a size limit, so a small hostile body (a
"gzip bomb": a few MB that inflate to GB) costs at most the limit in memory. Every path that decodes bytes it did
not produce itself (sitemaps in a crawl, archived bodies in snapshot, challenge checks) goes through here."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from archiver.warc.http import dechunk

DECODE_MAX_SIZE_ENV = "ARCHIVER_DECODE_MAX_SIZE"
DEFAULT_DECODE_MAX_SIZE = 64 * 1024 * 1024  # an archived page larger than this decoded is no news page
_STEP = 64 * 1024  # compressed bytes fed per step; output per step is capped separately


@dataclass(frozen=True)
class Decoded:
    """Decoded bytes and whether (and why) decoding stopped before the end."""

    data: bytes
    truncated: bool = False
    note: str | None = None


def decode_max_size() -> int:
    """The read-path cap: `ARCHIVER_DECODE_MAX_SIZE` from the environment, else the default."""
    value = os.environ.get(DECODE_MAX_SIZE_ENV, "")
    try:
        return max(1, int(value)) if value else DEFAULT_DECODE_MAX_SIZE
    except ValueError:
        return DEFAULT_DECODE_MAX_SIZE


def _wbits(coding: str) -> int | None:
    coding = coding.strip().lower()
    if coding in ("gzip", "x-gzip"):
        return 16 + zlib.MAX_WBITS
    if coding == "deflate":
        return zlib.MAX_WBITS  # zlib-wrapped; raw deflate is retried below
    return None


def inflate(chunks: Iterable[bytes] | bytes, limit: int, coding: str = "gzip") -> Decoded:
    """Inflate a gzip (or deflate) stream, at most `limit` bytes of output. Corrupt data ends the output early,
    with a note; it never raises. Concatenated gzip members are all inflated (as `gzip.decompress` does)."""
    wbits = _wbits(coding)
    if wbits is None:
        raise ValueError(f"not a compression coding: {coding!r}")
    source = [bytes(chunks)] if isinstance(chunks, bytes | bytearray) else chunks
    out = bytearray()
    decompressor: Any = None
    try:
        for chunk in source:
            view = memoryview(chunk)
            while len(view):
                if decompressor is None or decompressor.eof:
                    if decompressor is not None and bytes(view[:2]) != b"\x1f\x8b":
                        break  # trailing bytes after the last member, as gzip tolerates
                    raw = wbits == zlib.MAX_WBITS and bytes(view[:1]) != b"\x78"  # raw deflate, as some send
                    decompressor = zlib.decompressobj(-zlib.MAX_WBITS if raw else wbits)
                piece, view = bytes(view[:_STEP]), view[_STEP:]
                while piece:
                    out += decompressor.decompress(piece, limit - len(out) + 1)
                    if len(out) > limit:
                        return Decoded(bytes(out[:limit]), True, f"decoded size over the limit of {limit} bytes")
                    piece = decompressor.unconsumed_tail
                if decompressor.eof and decompressor.unused_data:
                    view = memoryview(decompressor.unused_data + bytes(view))
    except zlib.error as exc:
        return Decoded(bytes(out), True, f"corrupt {coding} data after {len(out)} bytes: {exc}")
    if decompressor is not None and not decompressor.eof:
        return Decoded(bytes(out), True, f"{coding} stream ends early after {len(out)} bytes")
    return Decoded(bytes(out))


def unbrotli(data: bytes, limit: int) -> Decoded:
    """Inflate a brotli body (when the optional `brotli` module is there, as Scrapy asks for br only then)."""
    try:
        import brotli  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        return Decoded(data, False, "content coding 'br' left as is (no brotli module)")
    decompressor = brotli.Decompressor()
    out = bytearray()
    try:
        out += decompressor.process(data, output_buffer_limit=limit + 1)
        while len(out) <= limit and not decompressor.is_finished() and not decompressor.can_accept_more_data():
            out += decompressor.process(b"", output_buffer_limit=limit + 1 - len(out))
    except brotli.error as exc:
        return Decoded(bytes(out), True, f"corrupt br data after {len(out)} bytes: {exc}")
    if len(out) > limit:
        return Decoded(bytes(out[:limit]), True, f"decoded size over the limit of {limit} bytes")
    return Decoded(bytes(out))


def decode_body(body: bytes, headers: dict[str, str], limit: int) -> Decoded:
    """An HTTP body as transferred (chunked, content-encoded) to the entity as the page's author wrote it,
    capped at `limit` bytes. Unknown codings are left as they are, with a note."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "chunked" in lowered.get("transfer-encoding", "").lower():
        body = dechunk(body)
    codings = [c.strip().lower() for c in lowered.get("content-encoding", "").split(",") if c.strip()]
    notes: list[str] = []
    truncated = False
    for coding in reversed(codings):  # applied in order listed, so undone last first
        if coding == "identity":
            continue
        if coding == "br":
            step = unbrotli(body, limit)
        elif _wbits(coding) is None:
            notes.append(f"content coding {coding!r} left as is")
            break
        else:
            step = inflate(body, limit, coding)
        body, truncated = step.data, truncated or step.truncated
        if step.note:
            notes.append(step.note)
        if step.truncated:
            break
    if len(body) > limit:
        body, truncated = body[:limit], True
        notes.append(f"body over the limit of {limit} bytes")
    return Decoded(body, truncated, "; ".join(notes) or None)
