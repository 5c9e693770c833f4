"""The filter fields of every document as arrays in memory, for the SQLite backend's queries.

A word found in half of 100,000 articles has 50,000 matches to count per site and month; looking each up in the
database costs more than the search itself. The arrays (a few bytes per article) answer those counts, and the
site, date, language and section filters, with one pass of numpy over the matches' ids. They are loaded on first
use and again whenever the index's generation (bumped by every write, from any process) changes; one copy per
index file is shared by every reader in the process (see `cached`), so a web app that opens the index for each
request does not load them each time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from archiver.catalog.db import Database
from archiver.search.normalize import normalize
from archiver.search.query import SearchQuery

IntArray = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int32]
MISSING = -2  # the code of a filter value no document has: matches nothing


def _codes(values: Sequence[object], size: int, doc_ids: IntArray) -> tuple[Codes, list[object]]:
    """Each distinct value numbered in order of first appearance; -1 where a document id is unused."""
    numbers: dict[object, int] = {}
    coded = np.fromiter((numbers.setdefault(v, len(numbers)) for v in values), dtype=np.int32, count=len(values))
    out = np.full(size, -1, dtype=np.int32)
    out[doc_ids] = coded
    return out, list(numbers)


@dataclass
class Columns:
    generation: str
    present: npt.NDArray[np.bool_]
    site: Codes
    month: Codes
    day: Codes  # YYYYMMDD (0 when the document has no day)
    language: Codes
    section: Codes  # the section in matching form
    newest: Codes  # 0 for the newest document (sort_time, then article_id), 1 for the next, ...
    sites: list[str]
    months: list[str]
    languages: list[str | None]
    sections: list[str | None]

    @classmethod
    def load(cls, db: Database, generation: str) -> Columns:
        # `+sort_time`: one pass over the table and a sort in memory, about twice as quick as walking the index on
        # sort_time and looking up each row from it.
        rows = db.query(
            "SELECT doc_id, site, month, day, language, section_norm FROM search_docs "
            "ORDER BY +sort_time DESC, article_id"
        )
        size = max((row[0] for row in rows), default=0) + 1
        doc_ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        present = np.zeros(size, dtype=np.bool_)
        present[doc_ids] = True
        newest = np.full(size, -1, dtype=np.int32)
        newest[doc_ids] = np.arange(len(rows), dtype=np.int32)
        fields = list(zip(*rows, strict=True)) if rows else [()] * 6
        site, sites = _codes(fields[1], size, doc_ids)
        month, months = _codes(fields[2], size, doc_ids)
        day_code, days = _codes(fields[3], size, doc_ids)
        language, languages = _codes(fields[4], size, doc_ids)
        section, sections = _codes(fields[5], size, doc_ids)
        # A few thousand distinct days: each turned into YYYYMMDD once, then looked up for every document.
        day_numbers = np.array([_day_number(d) for d in days] + [0], dtype=np.int32)
        return cls(
            generation,
            present,
            site,
            month,
            day_numbers[day_code],  # -1 (an unused id) reads the trailing 0
            language,
            section,
            newest,
            [str(s) for s in sites],
            [str(m) for m in months],
            [v if isinstance(v, str) else None for v in languages],
            [v if isinstance(v, str) else None for v in sections],
        )

    def all_ids(self) -> IntArray:
        return np.flatnonzero(self.present).astype(np.int64)

    def select(self, ids: IntArray, query: SearchQuery) -> IntArray:
        """The ids (ascending, each once) that pass the site, date, language and section filters; ids the columns
        do not know (written since they were loaded) are left out."""
        if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            ids = np.unique(ids)  # FTS5 lists matches in rowid order already: this is rarely needed
        ids = ids[(ids >= 0) & (ids < len(self.present))]
        ids = ids[self.present[ids]]
        if query.sites:
            wanted = [self.sites.index(s) for s in query.sites if s in self.sites]
            ids = ids[np.isin(self.site[ids], wanted)]
        if query.date_from:
            ids = ids[self.day[ids] >= int(query.date_from.strftime("%Y%m%d"))]
        if query.date_to:
            ids = ids[self.day[ids] <= int(query.date_to.strftime("%Y%m%d"))]
        if query.language:
            ids = ids[self.language[ids] == _code(self.languages, query.language)]
        if query.section:
            ids = ids[self.section[ids] == _code(self.sections, normalize(query.section.strip()))]
        return ids

    def facets(self, ids: IntArray) -> tuple[dict[str, int], dict[str, int]]:
        sites = np.bincount(self.site[ids], minlength=len(self.sites))
        months = np.bincount(self.month[ids], minlength=len(self.months))
        return (
            {self.sites[i]: int(sites[i]) for i in np.flatnonzero(sites)},
            {self.months[i]: int(months[i]) for i in np.flatnonzero(months)},
        )

    def by_date(self, ids: IntArray, limit: int, offset: int) -> list[int]:
        """One page of `ids`, newest first: only the first offset + limit are put in order."""
        ranks = self.newest[ids]
        end = min(len(ids), offset + limit)
        if end <= offset:
            return []
        if end < len(ids):
            head = np.argpartition(ranks, end - 1)[:end]
            order = head[np.argsort(ranks[head], kind="stable")]
        else:
            order = np.argsort(ranks, kind="stable")
        return [int(i) for i in ids[order[offset:end]]]


def _code(values: list[str | None], value: str) -> int:
    return values.index(value) if value in values else MISSING


def _day_number(day: object) -> int:
    digits = str(day or "").replace("-", "")
    return int(digits) if digits.isdigit() and len(digits) == 8 else 0


_CACHE: OrderedDict[str, Columns] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHED_INDEXES = 4  # index files whose columns a process keeps (a server has one; tests open many)


def cached(key: str, generation: str, load: Callable[[], Columns]) -> Columns:
    """The columns of the index file `key` at `generation`: loaded once per generation for the whole process."""
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is not None and found.generation == generation:
            _CACHE.move_to_end(key)
            return found
        # Loaded under the lock, so concurrent requests after a write wait for one load instead of each loading.
        columns = load()
        _CACHE[key] = columns
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHED_INDEXES:
            _CACHE.popitem(last=False)
        return columns
