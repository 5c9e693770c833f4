"""A URL's history with the word differences between its article versions (`archiver history --diff`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from archiver.catalog.catalog import Catalog
from archiver.retrieval.lookup import HistoryEntry, UrlMatch, find_url, history
from archiver.retrieval.textdiff import WordChange, word_diff

DIFFED_FIELDS = ("title", "body")


@dataclass(frozen=True)
class FieldDiff:
    field: str
    changes: list[WordChange]


@dataclass(frozen=True)
class HistoryReport:
    """The URL that matched, its captures oldest first, and for each capture that showed a new version after an
    earlier one (by index into `entries`) the fields that changed, when diffs were asked for."""

    match: UrlMatch
    entries: list[HistoryEntry]
    diffs: dict[int, list[FieldDiff]] = field(default_factory=dict)


def history_report(catalog: Catalog, url: str, *, diffs: bool = False) -> HistoryReport:
    match = find_url(catalog, url)
    entries = history(catalog, match.url)
    found: dict[int, list[FieldDiff]] = {}
    previous: str | None = None
    for index, entry in enumerate(entries):
        if not entry.new_version:
            continue
        if diffs and previous is not None and entry.article_key:
            old, new = (json.loads(catalog.store.open(k).read()) for k in (previous, entry.article_key))
            changed = [FieldDiff(name, word_diff(old.get(name) or "", new.get(name) or "")) for name in DIFFED_FIELDS]
            found[index] = [d for d in changed if d.changes]
        previous = entry.article_key
    return HistoryReport(match, entries, found)
