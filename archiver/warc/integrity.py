"""Check one stored WARC record before it is handed out (snapshot, replay): a record whose bytes do not match
its own digests is evidence of damage, and must not leave the archive as if it were sound."""

from __future__ import annotations

import zlib

from archiver.errors import ArchiverError
from archiver.warc.http import split_message
from archiver.warc.records import sha1_label
from archiver.warc.validate import parse_record


class DamagedRecordError(ArchiverError):
    """A stored record fails its gzip framing or its digests (exit code 1)."""


def checked_record(member: bytes, warc_file: str, offset: int) -> bytes:
    """`member` (one gzip member: one record as stored) after checking it inflates to a complete WARC record whose
    WARC-Block-Digest and, for a response or request, WARC-Payload-Digest match its bytes. Returns the member as
    given; raises DamagedRecordError naming the WARC file and offset otherwise."""
    where = f"{warc_file} at offset {offset}"
    fix = "run `archiver verify` to list every damaged record"
    inflater = zlib.decompressobj(31)
    try:
        data = inflater.decompress(member) + inflater.flush()
    except zlib.error as exc:
        raise DamagedRecordError(f"record {where} is damaged (corrupt gzip data: {exc}); {fix}") from exc
    if not inflater.eof:
        raise DamagedRecordError(f"record {where} is damaged (the gzip member is cut short); {fix}")
    record, error = parse_record(data)
    if record is None:
        raise DamagedRecordError(f"record {where} is damaged ({error}); {fix}")
    failed = []
    block_digest = record.get("WARC-Block-Digest")
    if block_digest and block_digest.startswith("sha1:") and sha1_label(record.block) != block_digest:
        failed.append("WARC-Block-Digest")
    payload_digest = record.get("WARC-Payload-Digest")
    if record.get("WARC-Type") in ("response", "request") and payload_digest and payload_digest.startswith("sha1:"):
        message = split_message(record.block)
        if payload_digest not in (sha1_label(message.body), sha1_label(message.entity())):
            failed.append("WARC-Payload-Digest")
    if failed:
        raise DamagedRecordError(f"record {where} fails its {' and '.join(failed)}: the stored bytes changed; {fix}")
    return member
