"""The custody log: an append-only, hash-chained record of what was done to the archive, by whom, with what.

Store objects are immutable, so the log cannot be one growing file. Each line is its own object,
`custody/YYYY/MM/{seq:010d}.jsonl` (the month of the line's time; `seq` counts from 1 over the whole log), holding
one JSON line that ends with a newline. A month's log, `custody/YYYY/MM.jsonl` in the usual sense, is the
concatenation of that month's objects in `seq` order (`archiver custody show --month YYYY-MM` prints it).

Appending: read the last line, build the next one with `prev` = sha256 of the last line's bytes, and create
`seq + 1` with the store's no-overwrite put. Two writers racing for the same number: one creation wins, the other
gets ObjectExistsError, rereads the tail and tries again, so the chain stays a single line of descent.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from archiver.errors import ObjectExistsError, StoreError
from archiver.store import Store
from archiver.store.layout import CUSTODY_PREFIX, custody_line_key

PREFIX = CUSTODY_PREFIX
ACTIONS = ("crawl", "export", "package", "verify", "reindex", "release", "import")
GENESIS = "sha256:" + "0" * 64  # the `prev` of the first line: there is no line before it
FIELDS = ("time", "action", "actor", "inputs", "outputs", "prev")
_KEY = re.compile(r"^custody/(\d{4})/(\d{2})/(\d{10})\.jsonl$")
APPEND_ATTEMPTS = 20


@dataclass(frozen=True)
class Item:
    """One input or output of an action: a name (a store key, a file name) and the sha256 hex of its bytes."""

    name: str
    sha256: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "sha256": self.sha256}


@dataclass(frozen=True)
class StoredLine:
    key: str
    seq: int
    data: bytes

    @property
    def digest(self) -> str:
        return line_digest(self.data)

    def fields(self) -> dict[str, Any]:
        value = json.loads(self.data)
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value


def line_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def line_key(seq: int, moment: datetime) -> str:
    return custody_line_key(seq, moment)


def default_actor() -> str:
    """Who acts: $ARCHIVER_ACTOR (a person or service name), else the operating-system user at this host."""
    configured = os.environ.get("ARCHIVER_ACTOR", "").strip()
    if configured:
        return configured
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def encode_line(
    moment: datetime, action: str, actor: str, inputs: Iterable[Item], outputs: Iterable[Item], prev: str
) -> bytes:
    fields = {
        "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "action": action,
        "actor": actor,
        "inputs": [item.as_dict() for item in inputs],
        "outputs": [item.as_dict() for item in outputs],
        "prev": prev,
    }
    return (json.dumps(fields, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def line_keys(store: Store) -> list[tuple[int, str]]:
    """(seq, key) of every line object, in seq order; keys that are not line objects are ignored here."""
    found = []
    for info in store.list(PREFIX):
        match = _KEY.match(info.key)
        if match:
            found.append((int(match.group(3)), info.key))
    return sorted(found)


def read_lines(store: Store) -> Iterator[StoredLine]:
    """Every line of the log in seq order, as stored."""
    for seq, key in line_keys(store):
        with store.open(key) as handle:
            yield StoredLine(key, seq, handle.read())


def append(
    store: Store,
    action: str,
    inputs: Iterable[Item] = (),
    outputs: Iterable[Item] = (),
    *,
    actor: str | None = None,
    now: datetime | None = None,
) -> StoredLine:
    """Add one line at the end of the chain; returns it as stored."""
    if action not in ACTIONS:
        raise ValueError(f"unknown custody action {action!r}")
    inputs, outputs = list(inputs), list(outputs)
    who = actor or default_actor()
    for _attempt in range(APPEND_ATTEMPTS):
        keys = line_keys(store)
        if keys:
            last_seq, last_key = keys[-1]
            with store.open(last_key) as handle:
                prev = line_digest(handle.read())
        else:
            last_seq, prev = 0, GENESIS
        moment = now or datetime.now(UTC)
        data = encode_line(moment, action, who, inputs, outputs, prev)
        key = line_key(last_seq + 1, moment)
        try:
            store.put_bytes(key, data, content_type="application/x-ndjson")
        except ObjectExistsError:
            continue  # another writer took this number first: chain onto its line instead
        return StoredLine(key, last_seq + 1, data)
    raise StoreError(f"could not append to the custody log in {store.uri}: {APPEND_ATTEMPTS} writers got there first")


def month_text(store: Store, month: str | None = None) -> Iterator[bytes]:
    """The log's lines (of one month `YYYY-MM`, or all), concatenated in order: the JSONL view of the log."""
    folder = f"{PREFIX}{month.replace('-', '/')}/" if month else PREFIX
    for line in read_lines(store):
        if line.key.startswith(folder):
            yield line.data


def lines_concerning(store: Store, sha256s: Iterable[str] = (), names: Iterable[str] = ()) -> list[StoredLine]:
    """The lines naming any of these sha256 hex digests or names (store keys) among their inputs or outputs: what
    a package or release carries about its records."""
    digests = {value.removeprefix("sha256:") for value in sha256s}
    keys = set(names)
    found = []
    for line in read_lines(store):
        try:
            fields = line.fields()
        except ValueError:
            continue
        items = [item for item in [*fields.get("inputs", []), *fields.get("outputs", [])] if isinstance(item, dict)]
        if any(str(i.get("sha256")) in digests or str(i.get("name")) in keys for i in items):
            found.append(line)
    return found
