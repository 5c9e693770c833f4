"""Trusted time for the custody log: a day's last line, timestamped by an RFC 3161 authority.

The stamp is its own immutable object, `custody/stamps/YYYY-MM-DD.json`: the day, the seq and key of the day's last
line, that line's digest, and the authority's token over the digest text. Once a stamp exists, the lines up to it
cannot be rewritten unnoticed, not even the last one (whose edit no later `prev` would show).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from archiver.custody.log import StoredLine, read_lines
from archiver.errors import NotFoundError
from archiver.store import Store
from archiver.store.layout import CUSTODY_STAMPS_PREFIX, custody_stamp_key

STAMPS = CUSTODY_STAMPS_PREFIX


@dataclass(frozen=True)
class Stamp:
    key: str
    day: str
    seq: int
    line_key: str
    digest: str
    authority: str | None = None
    time: str | None = None


def stamp_key(day: date) -> str:
    return custody_stamp_key(day)


def last_line_of(store: Store, day: date) -> StoredLine:
    last: StoredLine | None = None
    for line in read_lines(store):
        try:
            when = str(line.fields().get("time", ""))
        except ValueError:
            continue
        if when[:10] <= day.isoformat():
            last = line
    if last is None:
        raise NotFoundError(f"the custody log of {store.uri} has no line on or before {day.isoformat()}")
    return last


def stamp_day(store: Store, day: date, tsa_urls: tuple[str, ...]) -> Stamp:
    """Timestamp the last line written on or before `day` (UTC) and store the stamp."""
    from archiver.evidence.signing import timestamp

    line = last_line_of(store, day)
    token, chain = timestamp(line.digest.encode("ascii"), tsa_urls)
    document = {
        "day": day.isoformat(),
        "seq": line.seq,
        "line": line.key,
        "hash": line.digest,
        "timeSignature": base64.b64encode(token).decode("ascii"),
        "timestampCert": chain,
    }
    key = stamp_key(day)
    store.put_bytes(key, (json.dumps(document, indent=1) + "\n").encode("utf-8"), content_type="application/json")
    return Stamp(key, day.isoformat(), line.seq, line.key, line.digest)


def check_stamps(store: Store, digests: dict[int, str]) -> tuple[list[Stamp], str | None]:
    """Every stamp against the chain's line digests (seq -> digest of the intact lines): verified stamps, and the
    first problem, named, or None."""
    from archiver.evidence.signing import SignatureInvalid, verify_timestamp

    stamps: list[Stamp] = []
    for info in store.list(STAMPS):
        try:
            with store.open(info.key) as handle:
                document: dict[str, Any] = json.loads(handle.read())
            seq, digest = int(document["seq"]), str(document["hash"])
            token = base64.b64decode(str(document["timeSignature"]))
        except (ValueError, KeyError, TypeError) as exc:
            return stamps, f"{info.key}: unreadable stamp ({exc.__class__.__name__})"
        if digests.get(seq) != digest:
            return stamps, f"{info.key}: custody line {seq} no longer has the digest stamped on {document['day']}"
        try:
            attested = verify_timestamp(token, digest.encode("ascii"), str(document.get("timestampCert", "")))
        except SignatureInvalid as exc:
            return stamps, f"{info.key}: timestamp: {exc}"
        stamp = Stamp(info.key, str(document["day"]), seq, str(document["line"]), digest)
        stamps.append(Stamp(**{**stamp.__dict__, "authority": attested.authority, "time": attested.time.isoformat()}))
    return stamps, None
