"""The filter fields of every document as arrays in memory, for the SQLite backend's common queries.

A word found in half of 100,000 articles has 50,000 matches to count per site and month; looking each up in the
database costs more than the search itself. The arrays (a few bytes per article) answer those counts, and the
site, date and language filters, with one pass of numpy over the matches' ids. They are loaded on first use and
again whenever the index's generation (bumped by every write, from any process) changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from archiver.catalog.db import Database
from archiver.search.query import SearchQuery

IntArray = npt.NDArray[np.int64]


@dataclass
class Columns:
    generation: str
    present: npt.NDArray[np.bool_]
    site: IntArray
    month: IntArray
    day: IntArray  # YYYYMMDD
    language: IntArray
    newest: IntArray  # 0 for the newest document (sort_time, then article_id), 1 for the next, ...
    sites: list[str]
    months: list[str]
    languages: list[str | None]

    @classmethod
    def load(cls, db: Database, generation: str) -> Columns:
        rows = db.query(
            "SELECT doc_id, site, month, day, language FROM search_docs ORDER BY sort_time DESC, article_id"
        )
        size = max((row[0] for row in rows), default=0) + 1
        present = np.zeros(size, dtype=np.bool_)
        arrays = {name: np.full(size, -1, dtype=np.int64) for name in ("site", "month", "day", "language", "newest")}
        codes: dict[str, dict[object, int]] = {"site": {}, "month": {}, "language": {}}
        for position, (doc_id, site, month, day, language) in enumerate(rows):
            present[doc_id] = True
            arrays["newest"][doc_id] = position
            for name, value in (("site", site), ("month", month), ("language", language)):
                arrays[name][doc_id] = codes[name].setdefault(value, len(codes[name]))
            digits = (day or "").replace("-", "")
            arrays["day"][doc_id] = int(digits) if digits.isdigit() else 0
        return cls(
            generation,
            present,
            arrays["site"],
            arrays["month"],
            arrays["day"],
            arrays["language"],
            arrays["newest"],
            [str(s) for s in codes["site"]],
            [str(m) for m in codes["month"]],
            [lang if isinstance(lang, str) else None for lang in codes["language"]],
        )

    def all_ids(self) -> IntArray:
        return np.flatnonzero(self.present).astype(np.int64)

    def select(self, ids: IntArray, query: SearchQuery) -> IntArray:
        """The ids that pass the site, date and language filters."""
        ids = ids[(ids < len(self.present))]
        ids = ids[self.present[ids]]
        if query.sites:
            wanted = [self.sites.index(s) for s in query.sites if s in self.sites]
            ids = ids[np.isin(self.site[ids], wanted)]
        if query.date_from:
            ids = ids[self.day[ids] >= int(query.date_from.strftime("%Y%m%d"))]
        if query.date_to:
            ids = ids[self.day[ids] <= int(query.date_to.strftime("%Y%m%d"))]
        if query.language:
            code = self.languages.index(query.language) if query.language in self.languages else -2
            ids = ids[self.language[ids] == code]
        return ids

    def facets(self, ids: IntArray) -> tuple[dict[str, int], dict[str, int]]:
        sites = np.bincount(self.site[ids], minlength=len(self.sites))
        months = np.bincount(self.month[ids], minlength=len(self.months))
        return (
            {self.sites[i]: int(n) for i, n in enumerate(sites) if n},
            {self.months[i]: int(n) for i, n in enumerate(months) if n},
        )

    def by_date(self, ids: IntArray, limit: int, offset: int) -> list[int]:
        order = ids[np.argsort(self.newest[ids], kind="stable")]
        return [int(i) for i in order[offset : offset + limit]]
