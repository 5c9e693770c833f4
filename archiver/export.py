"""Export archived article versions as a dataset, streaming from the store (never the whole archive in memory)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from archiver.errors import ConfigError, NotFoundError
from archiver.store import Store

FORMATS = ("jsonl",)


@dataclass(frozen=True)
class ExportFilter:
    site: str | None = None
    date_from: date | None = None  # inclusive, on published_at's calendar date as published
    date_to: date | None = None  # inclusive
    language: str | None = None

    def accepts(self, article: dict[str, Any]) -> bool:
        if self.site and article.get("site") != self.site:
            return False
        if self.language and article.get("language") != self.language:
            return False
        if self.date_from or self.date_to:
            published = article.get("published_at")
            if not published:
                return False
            day = date.fromisoformat(str(published)[:10])
            if (self.date_from and day < self.date_from) or (self.date_to and day > self.date_to):
                return False
        return True


def iter_articles(store: Store, site: str | None = None) -> Iterator[dict[str, Any]]:
    """Every stored article version, one at a time, in key order (site, article id, capture time)."""
    prefix = f"articles/{site}/" if site else "articles/"
    for info in store.list(prefix):
        if info.key.endswith(".json"):
            with store.open(info.key) as handle:
                yield json.loads(handle.read())


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int


def export(store: Store, fmt: str, out: Path, selection: ExportFilter) -> ExportResult:
    """Write the selected articles to `out`; the file appears under its final name only when complete."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    out = out.expanduser()
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: directory {out.parent} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror}") from exc
    tmp = Path(tmp_name)
    rows = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for article in iter_articles(store, selection.site):
                if selection.accepts(article):
                    handle.write(json.dumps(article, ensure_ascii=False, sort_keys=True) + "\n")
                    rows += 1
            handle.flush()
            os.fsync(handle.fileno())
        if rows == 0:
            raise NotFoundError(f"no articles in {store.uri} match the selection; nothing written")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportResult(out, rows)
