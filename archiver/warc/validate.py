"""A WARC validator stricter than `warcio check` (which only checks digests): docs/capture.md lists what it misses.

Checked per record: one gzip member per record, the WARC/1.x header, mandatory fields, Content-Length against the
block, the closing CRLFCRLF, the WARC-Date format, block and payload digests (payload: both the warcio convention
over stored bytes and the Heritrix one over de-chunked bytes are accepted), unique record ids. Across the files
given: warcinfo first with the file's own WARC-Filename, every WARC-Concurrent-To / WARC-Refers-To resolves, and
every request is concurrent to a response (its own WARC-Concurrent-To, or the response's naming it, as wget writes).
A file made elsewhere and imported as received (`foreign`) keeps its own first record and WARC-Filename, and may
link to records that are not among the files given (another file of the crawl that made it, records a package left
out): those rules describe the files this archive writes and are not applied to it; every record's own checks are.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from archiver.warc.http import split_message
from archiver.warc.members import TruncatedMember, iter_members
from archiver.warc.records import sha1_label

MANDATORY = ("WARC-Type", "WARC-Record-ID", "WARC-Date", "Content-Length")
TARGETED_TYPES = ("request", "response", "revisit", "resource", "metadata")
WARC_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
VERSION_LINE = re.compile(rb"WARC/1\.[01]\r\n")
RECORD_ID = re.compile(r"^<[^<>\s]+:[^<>\s]+>$")


@dataclass(frozen=True)
class Problem:
    warc_file: str
    offset: int
    message: str

    def __str__(self) -> str:
        return f"{self.warc_file}@{self.offset}: {self.message}"


@dataclass
class ParsedRecord:
    offset: int
    length: int
    headers: list[tuple[str, str]]
    block: bytes

    def get(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for n, v in self.headers if n.lower() == wanted), None)

    def get_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [v for n, v in self.headers if n.lower() == wanted]


@dataclass
class _Seen:
    ids: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (file, type)
    links: list[tuple[str, int, str, str]] = field(default_factory=list)  # file, offset, field, target id
    requests: list[tuple[str, int, str | None, str]] = field(default_factory=list)  # file, offset, concurrent, id
    answered: set[str] = field(default_factory=set)  # ids a response or revisit names as WARC-Concurrent-To


def parse_record(data: bytes) -> tuple[ParsedRecord | None, str | None]:
    """Parse one decompressed record; (record, None) or (None, what is wrong)."""
    end = data.find(b"\r\n\r\n")
    if not data.startswith(b"WARC/") or end < 0:
        return None, "not a WARC record (no WARC/ version line or no header end)"
    if not VERSION_LINE.match(data):
        first = data.split(b"\n", 1)[0][:40]
        return None, f"malformed version line {first!r} (expected WARC/1.0 or WARC/1.1)"
    lines = data[:end].decode("utf-8", "replace").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            return None, f"malformed header line {line[:60]!r}"
        headers.append((name.strip(), value.strip()))
    record = ParsedRecord(0, 0, headers, b"")
    try:
        length = int(record.get("Content-Length") or "")
    except ValueError:
        return None, "missing or invalid Content-Length"
    block = data[end + 4 : end + 4 + length]
    if len(block) != length:
        return None, f"block shorter ({len(block)}) than Content-Length {length}"
    trailer = data[end + 4 + length :]
    if trailer != b"\r\n\r\n":
        return (
            None,
            "record does not end with exactly CRLFCRLF after its block (or a member holds two records)",
        )
    record.block = block
    return record, None


def _check_record(name: str, record: ParsedRecord, index: int, seen: _Seen, foreign: bool = False) -> Iterator[str]:
    for field_name in MANDATORY:
        if not record.get(field_name):
            yield f"missing {field_name}"
    record_type = record.get("WARC-Type") or "?"
    record_id = record.get("WARC-Record-ID") or ""
    if record_id and not RECORD_ID.match(record_id):
        yield f"malformed WARC-Record-ID {record_id!r}"
    if record_id in seen.ids:
        yield f"duplicate WARC-Record-ID {record_id}"
    seen.ids[record_id] = (name, record_type)
    date = record.get("WARC-Date") or ""
    if date and not WARC_DATE.match(date):
        yield f"malformed WARC-Date {date!r}"
    if record.block and not record.get("Content-Type"):
        yield "record with content but no Content-Type"
    if record_type in TARGETED_TYPES and not record.get("WARC-Target-URI"):
        yield f"{record_type} record without WARC-Target-URI"
    if foreign:
        pass  # another tool's file: its first record and WARC-Filename are as that tool wrote them
    elif index == 0:
        if record_type != "warcinfo":
            yield "first record is not warcinfo"
        elif record.get("WARC-Filename") != name.rsplit("/", 1)[-1]:
            yield f"warcinfo WARC-Filename {record.get('WARC-Filename')!r} does not name this file"
    elif record.get("WARC-Filename"):
        yield "WARC-Filename outside the warcinfo record"
    block_digest = record.get("WARC-Block-Digest")
    if block_digest and block_digest.startswith("sha1:") and sha1_label(record.block) != block_digest:
        yield "WARC-Block-Digest does not match the block"
    payload_digest = record.get("WARC-Payload-Digest")
    if record_type in ("warcinfo", "metadata") and payload_digest:
        yield f"WARC-Payload-Digest on a {record_type} record (it has no HTTP payload; FastWARC and warcat reject it)"
    if record_type in ("response", "request") and payload_digest and payload_digest.startswith("sha1:"):
        message = split_message(record.block)
        if payload_digest not in (sha1_label(message.body), sha1_label(message.entity())):
            yield "WARC-Payload-Digest matches neither the stored nor the de-chunked payload"
    if record_type == "revisit":
        for needed in (
            "WARC-Profile",
            "WARC-Refers-To-Target-URI",
            "WARC-Refers-To-Date",
            "WARC-Payload-Digest",
        ):
            if not record.get(needed):
                yield f"revisit record without {needed}"
    if foreign:
        return  # its links may point outside the files given (see the module's note)
    for link_field in ("WARC-Concurrent-To", "WARC-Refers-To"):
        for target in record.get_all(link_field):
            seen.links.append((name, record.offset, link_field, target))
    if record_type == "request":
        seen.requests.append((name, record.offset, record.get("WARC-Concurrent-To"), record_id))
    elif record_type in ("response", "revisit"):
        seen.answered.update(record.get_all("WARC-Concurrent-To"))


def validate_stream(name: str, handle: BinaryIO, seen: _Seen | None = None, foreign: bool = False) -> list[Problem]:
    """Problems of one WARC file (gzip, one member per record). Cross-record links are checked by `validate`.
    `foreign`: a file made by another tool and kept as received (see the module's note)."""
    seen = seen if seen is not None else _Seen()
    problems: list[Problem] = []
    index = 0
    try:
        for member in iter_members(handle):
            record, error = parse_record(member.data)
            if record is None:
                problems.append(Problem(name, member.offset, error or "unreadable record"))
            else:
                record.offset, record.length = member.offset, member.length
                found = _check_record(name, record, index, seen, foreign)
                problems += [Problem(name, member.offset, m) for m in found]
            index += 1
    except TruncatedMember as exc:
        problems.append(Problem(name, exc.offset, "truncated gzip member: the file ends inside a record"))
    except zlib.error as exc:
        problems.append(Problem(name, -1, f"corrupt gzip data: {exc}"))
    if index == 0 and not problems:
        problems.append(Problem(name, 0, "empty WARC file"))
    return problems


def validate(files: Iterable[tuple[str, BinaryIO]], foreign: Callable[[str], bool] | None = None) -> list[Problem]:
    """Validate several WARC files together, so links between their records resolve. `foreign(name)`: True for a
    file made by another tool (imported as received)."""
    seen = _Seen()
    problems: list[Problem] = []
    for name, handle in files:
        problems += validate_stream(name, handle, seen, bool(foreign and foreign(name)))
    for name, offset, link_field, target in seen.links:
        if target not in seen.ids:
            problems.append(Problem(name, offset, f"{link_field} {target} resolves to no record"))
    for name, offset, concurrent, record_id in seen.requests:
        if record_id in seen.answered:
            continue
        if not concurrent or seen.ids.get(concurrent, ("", ""))[1] not in ("response", "revisit"):
            problems.append(Problem(name, offset, "request record not concurrent to a response or revisit record"))
    return problems
