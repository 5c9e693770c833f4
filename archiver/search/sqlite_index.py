"""The embedded backend: SQLite FTS5 in a file beside the catalog's.

The FTS5 table holds the matching form of title and body (see normalize.py); its `porter` tokenizer stems
English words and leaves Arabic ones as they are. Relevance is BM25 with the title weighted above the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archiver.search.documents import DOC_COLUMNS, Document
from archiver.search.index import HIT_COLUMNS, SearchIndex
from archiver.search.query import ParsedQuery

SCHEMA_VERSION = "2"
TOKENIZER = "porter unicode61 remove_diacritics 2"
TITLE_WEIGHT = 4.0
# BM25 costs a read of each match's positions: a query matching half the archive would rank tens of thousands of
# rows. Relevance therefore orders the most recently indexed RANKED matches (all of them below that number); the
# total and the facets still count every match.
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

    def _clear(self) -> None:
        self.db.execute("DELETE FROM search_fts")
        self.db.execute("DELETE FROM search_docs")
        self.db.execute("DELETE FROM search_body")

    def _match(self, parsed: ParsedQuery) -> tuple[str, list[Any]]:
        return "d.doc_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", [parsed.fts5()]

    def _facet_rows(self, parsed: ParsedQuery, filters: list[str], params: list[Any]) -> list[Any]:
        if not parsed.required:
            return super()._facet_rows(parsed, filters, params)
        condition = "".join(f" AND {f}" for f in filters)
        # From the FTS5 table outwards: one lookup of a small row per match, no temporary set of ids.
        return self.db.query(
            "SELECT d.site, d.month, COUNT(*) FROM search_fts f JOIN search_docs d ON d.doc_id = f.rowid "
            f"WHERE search_fts MATCH ?{condition} GROUP BY d.site, d.month",
            [parsed.fts5(), *params],
        )

    def _page(
        self, parsed: ParsedQuery, filters: list[str], params: list[Any], sort: str, limit: int, offset: int
    ) -> list[Any]:
        # Pick the page's ids first, carrying nothing but ids through the sort, then read those rows.
        if sort == "relevance":
            join = "JOIN search_docs d ON d.doc_id = f.rowid " if filters else ""
            condition = "".join(f" AND {f}" for f in filters)
            ids = self.db.query(
                f"SELECT id FROM (SELECT f.rowid AS id, f.rank AS score FROM search_fts f {join}"
                f"WHERE search_fts MATCH ?{condition} ORDER BY f.rowid DESC LIMIT {RANKED}) "
                "ORDER BY score, id DESC LIMIT ? OFFSET ?",
                [parsed.fts5(), *params, limit, offset],
            )
        else:
            where = list(filters)
            all_params = list(params)
            if parsed.required:
                match, match_params = self._match(parsed)
                where, all_params = [match, *where], [*match_params, *all_params]
            clause = " AND ".join(where) or "1 = 1"
            ids = self.db.query(
                f"SELECT d.doc_id FROM search_docs d WHERE {clause} ORDER BY d.sort_time DESC, d.article_id "
                "LIMIT ? OFFSET ?",
                [*all_params, limit, offset],
            )
        order = [row[0] for row in ids]
        if not order:
            return []
        columns = ", ".join("b.body" if c == "body" else f"d.{c}" for c in HIT_COLUMNS)
        rows = self.db.query(
            f"SELECT d.doc_id, {columns} FROM search_docs d JOIN search_body b ON b.doc_id = d.doc_id "
            f"WHERE d.doc_id IN ({', '.join('?' for _ in order)})",
            order,
        )
        by_id = {row[0]: row[1:] for row in rows}
        return [by_id[doc_id] for doc_id in order if doc_id in by_id]
