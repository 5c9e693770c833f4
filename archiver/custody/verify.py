"""`archiver custody verify`: walk the chain from its first line and stop at the first broken link."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from archiver.custody.log import ACTIONS, FIELDS, GENESIS, StoredLine, read_lines
from archiver.custody.stamp import Stamp, check_stamps
from archiver.store import Store

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ChainReport:
    lines: int  # lines found intact before the break (all of them when intact)
    last_digest: str  # sha256 of the last intact line's bytes (the value a timestamp attests)
    broken: str | None  # the first broken link, named, or None
    digests: dict[int, str] = field(default_factory=dict, repr=False)  # seq -> digest of each intact line
    stamps: list[Stamp] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.broken is None


def line_problem(line: StoredLine) -> str | None:
    """What is wrong with one line on its own (its shape), or None."""
    if not line.data.endswith(b"\n") or line.data.count(b"\n") != 1:
        return "is not exactly one line ending with a newline"
    try:
        fields = line.fields()
    except (ValueError, UnicodeDecodeError):
        return "is not a JSON object"
    if tuple(fields) != FIELDS:
        return f"has fields {sorted(fields)}, expected {list(FIELDS)}"
    if fields["action"] not in ACTIONS:
        return f"has unknown action {fields['action']!r}"
    if not isinstance(fields["actor"], str) or not isinstance(fields["prev"], str):
        return "has a non-text actor or prev"
    try:
        moment = datetime.strptime(str(fields["time"]), "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return f"has a time that is not ISO UTC: {fields['time']!r}"
    if not line.key.startswith(f"custody/{moment:%Y/%m}/"):
        return f"is filed under the wrong month for its time {fields['time']}"
    for side in ("inputs", "outputs"):
        items = fields[side]
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and set(i) == {"name", "sha256"} and _HEX.match(str(i["sha256"])) for i in items
        ):
            return f"has {side} that are not a list of {{name, sha256}}"
    return None


def check_chain(lines: Iterable[StoredLine]) -> ChainReport:
    expected_prev, expected_seq, count = GENESIS, 1, 0
    digests: dict[int, str] = {}
    for line in lines:
        where = f"custody line {line.seq} ({line.key})"
        if line.seq != expected_seq:
            if line.seq > expected_seq:
                broken = f"custody line {expected_seq} is missing (next found: {where})"
            else:
                broken = f"custody line {line.seq} is stored twice (again as {line.key}): the chain forks there"
            return ChainReport(count, expected_prev, digests=digests, broken=broken)
        problem = line_problem(line)
        if problem is not None:
            return ChainReport(count, expected_prev, digests=digests, broken=f"{where} {problem}")
        prev = str(line.fields()["prev"])
        if not _DIGEST.match(prev) or prev != expected_prev:
            before = "the chain's start" if expected_seq == 1 else f"line {expected_seq - 1}"
            return ChainReport(
                count,
                expected_prev,
                digests=digests,
                broken=f"{where}: prev {prev} does not match {before} ({expected_prev}); "
                "a line was edited, removed or inserted there",
            )
        digests[line.seq] = line.digest
        expected_prev, expected_seq, count = line.digest, expected_seq + 1, count + 1
    return ChainReport(count, expected_prev, None, digests)


def verify_custody(store: Store) -> ChainReport:
    """The chain, then every stamp of a day's last line against it (a stamp pins even the log's last line)."""
    report = check_chain(read_lines(store))
    stamps, problem = check_stamps(store, report.digests)
    return replace(report, stamps=stamps, broken=report.broken or problem)
