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

TOKENIZER = "porter unicode61 remove_diacritics 2"
TITLE_WEIGHT = 4.0
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS search_meta (name TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE IF NOT EXISTS search_docs (
        doc_id INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE, article_key TEXT NOT NULL,
        captured_at TEXT, url TEXT, site TEXT, title TEXT, published_at TEXT, day TEXT, month TEXT, sort_time TEXT,
        language TEXT, section TEXT, section_norm TEXT, authors TEXT, authors_norm TEXT, body TEXT)""",
    "CREATE INDEX IF NOT EXISTS search_docs_by_site ON search_docs (site, month)",
    "CREATE INDEX IF NOT EXISTS search_docs_by_time ON search_docs (sort_time)",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, body, tokenize='{TOKENIZER}')",
]


class SqliteSearchIndex(SearchIndex):
    backend = "sqlite-fts5"

    def create(self) -> None:
        if not self.db.has_table("search_fts"):
            self.db.create_schema(SCHEMA)

    def _upsert(self, docs: Sequence[Document]) -> None:
        names = ", ".join(DOC_COLUMNS)
        marks = ", ".join("?" for _ in DOC_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in DOC_COLUMNS if c != "article_id")
        for doc in docs:
            old = self.db.one("SELECT doc_id FROM search_docs WHERE article_id = ?", (doc.article_id,))
            if old is not None:
                self.db.execute("DELETE FROM search_fts WHERE rowid = ?", (old[0],))
            row = self.db.one(
                f"INSERT INTO search_docs ({names}) VALUES ({marks}) "
                f"ON CONFLICT (article_id) DO UPDATE SET {updates} RETURNING doc_id",
                doc.row(),
            )
            assert row is not None
            self.db.execute(
                "INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)", (row[0], doc.title_norm, doc.body_norm)
            )

    def _clear(self) -> None:
        self.db.execute("DELETE FROM search_fts")
        self.db.execute("DELETE FROM search_docs")

    def _match(self, parsed: ParsedQuery) -> tuple[str, list[Any]]:
        return "d.doc_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", [parsed.fts5()]

    def _ranked(self, parsed: ParsedQuery, where: str, params: list[Any], limit: int, offset: int) -> list[Any]:
        columns = ", ".join(f"d.{c}" for c in HIT_COLUMNS)
        # The FTS5 table drives the join so that bm25() is computed on its own rows.
        return self.db.query(
            f"SELECT {columns} FROM search_fts f JOIN search_docs d ON d.doc_id = f.rowid "
            f"WHERE search_fts MATCH ? AND {where} "
            f"ORDER BY bm25(search_fts, {TITLE_WEIGHT}, 1.0), d.sort_time DESC LIMIT ? OFFSET ?",
            [parsed.fts5(), *params, limit, offset],
        )
