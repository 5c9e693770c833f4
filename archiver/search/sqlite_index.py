"""The embedded backend: SQLite FTS5 in a file beside the catalog's.

The FTS5 table holds the matching form of title and body (see normalize.py); its `porter` tokenizer stems
English words and leaves Arabic ones as they are. Relevance is BM25 with the title weighted above the body.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import numpy as np

from archiver.search.columns import Columns, IntArray, cached
from archiver.search.documents import DOC_COLUMNS, Document
from archiver.search.index import HIT_COLUMNS, SearchIndex, like_pattern
from archiver.search.normalize import normalize
from archiver.search.query import ParsedQuery, SearchQuery

SCHEMA_VERSION = "2"
TOKENIZER = "porter unicode61 remove_diacritics 2"
TITLE_WEIGHT = 4.0
# BM25 costs a read of each match's positions and length (about 1 microsecond a row in FTS5: 40 to 150 ms for a word in
# half of 100,000 articles, ORDER BY rank LIMIT included). Relevance therefore orders the most recently indexed
# RANKED of the matches the filters keep (all of them below that number); the total and the facets count every one.
RANKED = 5000
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS search_meta (name TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE IF NOT EXISTS search_docs (
        doc_id INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE, article_key TEXT NOT NULL,
        captured_at TEXT, url TEXT, site TEXT, title TEXT, published_at TEXT, day TEXT, month TEXT, sort_time TEXT,
        language TEXT, section TEXT, section_norm TEXT, authors TEXT, authors_norm TEXT)""",
    # Bodies apart, so that the rows filters and facets read stay small and many to a page.
    "CREATE TABLE IF NOT EXISTS search_body (doc_id INTEGER PRIMARY KEY, body TEXT)",
    "CREATE INDEX IF NOT EXISTS search_docs_by_site ON search_docs (site, month)",
    "CREATE INDEX IF NOT EXISTS search_docs_by_time ON search_docs (sort_time)",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, body, tokenize='{TOKENIZER}')",
    f"INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25({TITLE_WEIGHT}, 1.0)')",
]
COLUMNS = tuple(c for c in DOC_COLUMNS if c != "body")


class SqliteSearchIndex(SearchIndex):
    backend = "sqlite-fts5"

    def create(self) -> None:
        if self.db.has_table("search_fts") and self._meta("schema") == SCHEMA_VERSION:
            return
        # Derived data: an index of another layout is dropped and built again by the next sync.
        with self.db.transaction():
            for table in ("search_fts", "search_body", "search_docs", "search_meta"):
                self.db.execute(f"DROP TABLE IF EXISTS {table}")
            self.db.create_schema(SCHEMA)
            self._set_meta("schema", SCHEMA_VERSION)

    def _upsert(self, docs: Sequence[Document]) -> None:
        self._bump()
        names = ", ".join(COLUMNS)
        marks = ", ".join("?" for _ in COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "article_id")
        for doc in docs:
            old = self.db.one("SELECT doc_id FROM search_docs WHERE article_id = ?", (doc.article_id,))
            if old is not None:
                self.db.execute("DELETE FROM search_fts WHERE rowid = ?", (old[0],))
            row = self.db.one(
                f"INSERT INTO search_docs ({names}) VALUES ({marks}) "
                f"ON CONFLICT (article_id) DO UPDATE SET {updates} RETURNING doc_id",
                doc.row()[:-1],  # body is last: it goes to search_body
            )
            assert row is not None
            self.db.execute(
                "INSERT INTO search_body (doc_id, body) VALUES (?, ?) ON CONFLICT (doc_id) DO UPDATE SET body = ?",
                (row[0], doc.body, doc.body),
            )
            self.db.execute(
                "INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)", (row[0], doc.title_norm, doc.body_norm)
            )

    def _bump(self) -> None:
        self._set_meta("generation", secrets.token_hex(8))  # readers in any process reload their columns

    def _clear(self) -> None:
        self._bump()
        self.db.execute("DELETE FROM search_fts")
        self.db.execute("DELETE FROM search_docs")
        self.db.execute("DELETE FROM search_body")

    def _columns_now(self) -> Columns:
        generation = self._meta("generation") or ""
        key = str(self.db.path.resolve()) if self.db.path is not None else self.db.url
        return cached(key, generation, lambda: Columns.load(self.db, generation))

    def _ids(self, sql: str, params: list[Any]) -> IntArray:
        """The ids one `SELECT group_concat(...)` lists: one string for SQLite to build and numpy to read, rather
        than a Python row per id (for 50,000 matches, 5 ms instead of 30)."""
        row = self.db.one(sql, params)
        text = row[0] if row else None
        if not text:
            return np.zeros(0, dtype=np.int64)
        return np.fromstring(text, dtype=np.int64, sep=",")

    def _fast(
        self, parsed: ParsedQuery, query: SearchQuery, sort: str, limit: int, offset: int
    ) -> tuple[dict[str, int], dict[str, int], int, list[Any]]:
        # A write landing between the two reads is harmless: ids the columns do not know yet are left out
        # until the next search, which reloads them.
        known = self._columns_now()
        if parsed.required:
            matches = self._ids("SELECT group_concat(rowid) FROM search_fts WHERE search_fts MATCH ?", [parsed.fts5()])
        else:
            matches = known.all_ids()
        ids = known.select(matches, query)
        if query.author:  # part of a name: a scan of the small rows, once per query
            by_author = self._ids(
                "SELECT group_concat(doc_id) FROM search_docs WHERE authors_norm LIKE ? ESCAPE '\\'",
                [like_pattern(normalize(query.author.strip()))],
            )
            ids = ids[np.isin(ids, by_author)]
        sites, months = known.facets(ids)
        total = int(len(ids))
        if total <= offset:
            return sites, months, total, []
        order = (
            known.by_date(ids, limit, offset) if sort == "date" else self._ranked(parsed, ids, matches, limit, offset)
        )
        return sites, months, total, self._rows(order)

    def _ranked(self, parsed: ParsedQuery, ids: IntArray, matches: IntArray, limit: int, offset: int) -> list[int]:
        """One page of `ids` (ascending: the matches of `parsed` that pass the filters) by BM25 among the newest
        RANKED of them. BM25 reads each row's word positions and length, so it is computed for those candidates
        alone: a range on rowid narrows the match to them, and when filters took some matches out of that range,
        `+rowid IN` checks each row before its rank is read (without the `+`, SQLite would run the whole match
        once per listed id: 0.4 to 0.9 s for a common word filtered by site and year)."""
        candidates = ids[-RANKED:]
        params: list[Any] = [parsed.fts5(), int(candidates[0])]
        listed = ""
        if int(np.count_nonzero(matches >= candidates[0])) != len(candidates):
            listed = " AND +rowid IN (SELECT value FROM json_each(?))"
            params.append("[" + ",".join(str(i) for i in candidates.tolist()) + "]")
        rows = self.db.query(
            "SELECT id FROM (SELECT rowid AS id, rank AS score FROM search_fts WHERE search_fts MATCH ? "
            f"AND rowid >= ?{listed}) ORDER BY score, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [int(row[0]) for row in rows]

    def _rows(self, order: list[int]) -> list[Any]:
        if not order:
            return []
        names = ", ".join("b.body" if c == "body" else f"d.{c}" for c in HIT_COLUMNS)
        rows = self.db.query(
            f"SELECT d.doc_id, {names} FROM search_docs d JOIN search_body b ON b.doc_id = d.doc_id "
            f"WHERE d.doc_id IN ({', '.join('?' for _ in order)})",
            order,
        )
        by_id = {row[0]: row[1:] for row in rows}
        return [by_id[doc_id] for doc_id in order if doc_id in by_id]
