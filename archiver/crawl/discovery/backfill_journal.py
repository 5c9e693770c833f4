"""The frontier of a backfill, kept in the spool so a stopped or killed backfill resumes where it was.

One JSON line per event, appended and flushed (not fsynced: it survives a killed process, the case it exists for):
  {"start": ISO time, "until": DATE|null}                         the backfill began (first line)
  {"q": KEY, "u": URL, "k": KIND, "d": DEPTH, "p": PRIORITY, "m": {...}}   a request was scheduled
  {"x": KEY, "t": EPOCH, "a": 1}                                  it is done (its links are queued, its article is in
                                                                  the spool's pending log); "a": it was an article
  {"o": DATE}                                                     the oldest day reached so far
A request is done only once everything it led to is written (queued links, the article handed to the archive), so
a resumed backfill asks again only for what was not finished: requests in flight at the kill, nothing else.
When the frontier is empty the journal is renamed `*.finished.jsonl`; the next `--backfill` starts a new one.
"""

from __future__ import annotations

import fcntl
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from archiver.errors import ConfigError


@dataclass
class JournalEntry:
    key: str
    url: str
    kind: str  # page | sitemap | feed | api
    depth: int
    priority: int
    meta: dict[str, Any] = field(default_factory=dict)


class BackfillJournal:
    """Owned by one crawl process (the reactor thread writes it)."""

    def __init__(self, path: Path, until: date | None = None) -> None:
        self.path = path
        self.until = until
        self.started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.queued: dict[str, JournalEntry] = {}
        self.done: set[str] = set()
        self.pages_done = 0
        self.articles = 0
        self.oldest: str | None = None
        self.last_progress: float | None = None
        self.resumed = False
        self._handle: IO[str] | None = None

    def open(self) -> BackfillJournal:
        """Read what an earlier run of this backfill left, then append to it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        cut = False
        if self.path.exists():
            self.resumed = True
            text = self.path.read_text(encoding="utf-8", errors="replace")
            cut = bool(text) and not text.endswith("\n")
            for line in text.splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a kill: its event is simply not known
                self._replay(entry)
        self._handle = self.path.open("a", encoding="utf-8")
        try:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.close()
            self._handle = None
            raise ConfigError(
                f"a backfill of these sites is running already (its journal {self.path} is locked): wait for it, "
                "or stop it and run the backfill again to resume it"
            ) from None
        if cut:
            self._handle.write("\n")  # a line cut by a kill or a full disk ends here: the next is not glued to it
        if not self.resumed:
            self._write({"start": self.started_at, "until": self.until.isoformat() if self.until else None})
        return self

    def _replay(self, entry: dict[str, Any]) -> None:
        if "start" in entry:
            self.started_at = str(entry["start"])
            if entry.get("until") and self.until is None:
                self.until = date.fromisoformat(entry["until"])
        elif "q" in entry:
            key = str(entry["q"])
            self.queued[key] = JournalEntry(
                key, str(entry["u"]), str(entry["k"]), int(entry["d"]), int(entry["p"]), dict(entry.get("m") or {})
            )
        elif "x" in entry:
            if entry["x"] not in self.done and entry["x"] in self.queued:
                self.done.add(str(entry["x"]))
                self.pages_done += 1
                self.articles += int(entry.get("a") or 0)
                self.last_progress = float(entry.get("t") or 0) or self.last_progress
        elif "o" in entry:
            self.oldest = min(filter(None, (self.oldest, str(entry["o"]))))

    def _write(self, entry: dict[str, Any]) -> None:
        if self._handle is None:
            return
        self._handle.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._handle.flush()

    # -- events -------------------------------------------------------------------------------------------------
    def queue(self, entry: JournalEntry) -> None:
        if entry.key in self.queued:
            return
        self.queued[entry.key] = entry
        record: dict[str, Any] = {"q": entry.key, "u": entry.url, "k": entry.kind, "d": entry.depth}
        record["p"] = entry.priority
        if entry.meta:
            record["m"] = entry.meta
        self._write(record)

    def finish_request(self, key: str, article: bool) -> None:
        if key in self.done or key not in self.queued:
            return
        self.done.add(key)
        self.pages_done += 1
        self.articles += int(article)
        self.last_progress = time.time()
        record: dict[str, Any] = {"x": key, "t": int(self.last_progress)}
        if article:
            record["a"] = 1
        self._write(record)

    def reached(self, day: date) -> None:
        text = day.isoformat()
        if self.oldest is None or text < self.oldest:
            self.oldest = text
            self._write({"o": text})

    # -- reading ------------------------------------------------------------------------------------------------
    def pending(self) -> list[JournalEntry]:
        return [entry for key, entry in self.queued.items() if key not in self.done]

    @property
    def pending_count(self) -> int:
        return len(self.queued) - len(self.done)  # only queued requests are ever done

    def close(self, finished: bool) -> Path:
        """Close the journal; a finished backfill's journal is renamed so the next --backfill starts afresh."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if finished and self.path.exists():
            target = self.path.with_name(self.path.name.replace(".jsonl", ".finished.jsonl"))
            self.path.replace(target)
            return target
        return self.path

    def state(self, finished: bool) -> dict[str, Any]:
        """What a manifest records of this backfill (health flags one that stalled)."""
        progress = self.last_progress
        return {
            "started_at": self.started_at,
            "until": self.until.isoformat() if self.until else None,
            "finished": finished,
            "resumed": self.resumed,
            "pages_done": self.pages_done,
            "articles_found": self.articles,
            "pending": self.pending_count,
            "oldest_date": self.oldest,
            "last_progress_at": datetime.fromtimestamp(progress, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if progress
            else None,
        }
