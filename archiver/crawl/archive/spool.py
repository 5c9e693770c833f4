"""The local spool: WARCs are written here, uploaded when closed, deleted only once stored.

Layout under the spool root:
  open/{quoted key}     a WARC being written (its crawl holds open/{crawl_id}.lock)
  closed/{quoted key}   a complete WARC waiting for upload
  journal/{crawl_id}.jsonl  every object a crawl stored, one JSON line each, so a crashed crawl still gets a manifest
  articles/{crawl_id}.log   article JSON waiting for the store (archiver/crawl/archive/pending.py)
  backfill/{sites}.jsonl    the frontier of a resumable backfill (archiver/crawl/discovery/backfill_journal.py)
  quarantine/           entries recovery could never store, set aside (never deleted) so they block nothing
After a crash, `recover` salvages open files whose crawl is gone (cut to the last complete record), uploads every
closed file, and returns the journals of crawls that never wrote their manifest.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, unquote

from archiver.store import PutResult, Store
from archiver.store.layout import crawl_id_of_warc
from archiver.warc.members import complete_prefix_length

WARC_CONTENT_TYPE = "application/warc"


def append_line(path: Path, line: bytes) -> None:
    """Append one line to a log that an earlier process may have left cut short (killed, or stopped by a full disk
    mid-line): the cut line is ended first, so this one is never glued to it and lost with it."""
    with path.open("ab") as handle:
        if handle.tell() > 0:
            with path.open("rb") as tail:
                tail.seek(-1, os.SEEK_END)
                if tail.read(1) != b"\n":
                    line = b"\n" + line
        handle.write(line + b"\n")


@dataclass
class Spool:
    root: Path

    def __post_init__(self) -> None:
        for sub in ("open", "closed", "journal", "articles"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    @classmethod
    def for_store(cls, store: Store, override: str | None = None) -> Spool:
        """The spool beside a local store (`{root}/.spool`), else one per store URI in the user's state dir."""
        if override:
            return cls(Path(override))
        from archiver.store.local import LocalStore

        if isinstance(store, LocalStore):
            return cls(store.root / ".spool")
        state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
        tag = hashlib.sha256(store.uri.encode()).hexdigest()[:16]
        return cls(state / "libya-news-archiver" / "spool" / tag)

    # -- files -----------------------------------------------------------------------------------------------
    def open_path(self, key: str) -> Path:
        return self.root / "open" / quote(key, safe="")

    def mark_closed(self, path: Path) -> Path:
        target = self.root / "closed" / path.name
        os.replace(path, target)
        return target

    def closed_files(self) -> Iterator[tuple[str, Path]]:
        for path in sorted((self.root / "closed").iterdir()):
            if not path.name.startswith("."):
                yield unquote(path.name), path

    def upload(self, store: Store, key: str, path: Path) -> PutResult:
        """Upload then delete: the spool copy goes only after the store confirmed the object."""
        result = store.put_file(key, path, content_type=WARC_CONTENT_TYPE)
        path.unlink()
        return result

    # -- crawl locks and journals ----------------------------------------------------------------------------
    def lock(self, crawl_id: str) -> IO[bytes]:
        handle = (self.root / "open" / f"{crawl_id}.lock").open("ab")
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return handle

    def crawl_alive(self, crawl_id: str) -> bool:
        """True while the crawl's process holds its lock."""
        path = self.root / "open" / f"{crawl_id}.lock"
        if not path.exists():
            return False
        with path.open("ab") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False

    def backfill_path(self, sites: list[str]) -> Path:
        """The frontier journal of a backfill of these sites (archiver/crawl/discovery/backfill_journal.py)."""
        name = "+".join(sorted(set(sites)))
        if len(name) > 120:
            name = hashlib.sha256(name.encode()).hexdigest()[:32]
        return self.root / "backfill" / f"{name}.jsonl"

    def journal_path(self, crawl_id: str) -> Path:
        return self.root / "journal" / f"{crawl_id}.jsonl"

    def append_journal(self, crawl_id: str, entry: dict[str, Any]) -> None:
        # Flushed, not fsynced: it survives a killed process (the case it exists for); the objects it lists are
        # themselves durable, so after a power loss a recovered manifest can at worst miss its last few lines.
        append_line(self.journal_path(crawl_id), json.dumps(entry, ensure_ascii=False).encode("utf-8"))

    def read_journal(self, crawl_id: str) -> list[dict[str, Any]]:
        path = self.journal_path(crawl_id)
        entries = []
        if path.exists():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a line cut by a crash or a full disk: the lines after it still count
        return entries

    def finish(self, crawl_id: str, lock: IO[bytes]) -> None:
        self.journal_path(crawl_id).unlink(missing_ok=True)
        lock.close()
        (self.root / "open" / f"{crawl_id}.lock").unlink(missing_ok=True)

    # -- recovery ----------------------------------------------------------------------------------------------
    def salvage_orphans(self) -> list[str]:
        """Cut every open WARC of a dead crawl to its complete records and move it to closed/."""
        salvaged = []
        for path in sorted((self.root / "open").iterdir()):
            if path.suffix == ".lock" or path.name.startswith("."):
                continue
            key = unquote(path.name)
            crawl_id = crawl_id_of_warc(key)
            if self.crawl_alive(crawl_id):
                continue
            with path.open("r+b") as handle:
                good = complete_prefix_length(handle)
                handle.truncate(good)
                handle.flush()
                os.fsync(handle.fileno())
            if good == 0:
                path.unlink()
                continue
            self.mark_closed(path)
            salvaged.append(key)
        return salvaged

    def orphan_journals(self) -> list[str]:
        """Crawl ids with a journal but no live process: crawls that died before writing their manifest."""
        crawl_ids = [p.stem for p in sorted((self.root / "journal").glob("*.jsonl"))]
        return [c for c in crawl_ids if not self.crawl_alive(c)]
