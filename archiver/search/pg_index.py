"""The server backend: PostgreSQL full-text search, in the catalog's own database (`--catalog postgresql://`).

Each document's text vector is built with its language's configuration (`arabic`, `english`, else `simple`), over
the same matching form as the SQLite backend, so both backends agree on spelling variants; PostgreSQL's Arabic
and English stemmers then match word forms (`الانتخابات` and `انتخابات`, `elections` and `election`). A query is
parsed once per configuration and each document is matched with its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archiver.search.documents import DOC_COLUMNS, Document
from archiver.search.index import HIT_COLUMNS, SearchIndex
from archiver.search.query import ParsedQuery

CONFIGS = {"ar": "arabic", "en": "english"}
FALLBACK = "simple"
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS search_meta (name TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE IF NOT EXISTS search_docs (
        article_id TEXT PRIMARY KEY, article_key TEXT NOT NULL, captured_at TEXT, url TEXT, site TEXT, title TEXT,
        published_at TEXT, day TEXT, month TEXT, sort_time TEXT, language TEXT, section TEXT, section_norm TEXT,
        authors TEXT, authors_norm TEXT, body TEXT, cfg TEXT NOT NULL, tsv TSVECTOR NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS search_docs_tsv ON search_docs USING GIN (tsv)",
    "CREATE INDEX IF NOT EXISTS search_docs_by_site ON search_docs (site, month)",
    "CREATE INDEX IF NOT EXISTS search_docs_by_time ON search_docs (sort_time)",
]


def config_of(language: str | None) -> str:
    return CONFIGS.get(language or "", FALLBACK)


class PostgresSearchIndex(SearchIndex):
    backend = "postgresql"

    def create(self) -> None:
        if not self.db.has_table("search_docs"):
            self.db.create_schema(SCHEMA)

    def _upsert(self, docs: Sequence[Document]) -> None:
        names = ", ".join(DOC_COLUMNS)
        marks = ", ".join("?" for _ in DOC_COLUMNS)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*DOC_COLUMNS, "cfg", "tsv") if c != "article_id")
        rows = []
        for doc in docs:
            cfg = config_of(doc.language)
            rows.append((*doc.row(), cfg, cfg, doc.title_norm, cfg, doc.body_norm))
        self.db.executemany(
            f"INSERT INTO search_docs ({names}, cfg, tsv) VALUES ({marks}, ?, "
            "setweight(to_tsvector(?::regconfig, ?), 'A') || setweight(to_tsvector(?::regconfig, ?), 'B')) "
            f"ON CONFLICT (article_id) DO UPDATE SET {updates}",
            rows,
        )

    def _clear(self) -> None:
        self.db.execute("DELETE FROM search_docs")

    def _tsquery_cases(self, parsed: ParsedQuery) -> tuple[str, list[Any]]:
        text = parsed.websearch()
        cases = " ".join(f"WHEN '{cfg}' THEN websearch_to_tsquery('{cfg}', ?)" for cfg in self._configs())
        return f"(CASE d.cfg {cases} END)", [text for _ in self._configs()]

    @staticmethod
    def _configs() -> tuple[str, ...]:
        return (*CONFIGS.values(), FALLBACK)

    def _match(self, parsed: ParsedQuery) -> tuple[str, list[Any]]:
        # One branch per configuration, each able to use the GIN index.
        text = parsed.websearch()
        branches = [f"(d.cfg = '{cfg}' AND d.tsv @@ websearch_to_tsquery('{cfg}', ?))" for cfg in self._configs()]
        return "(" + " OR ".join(branches) + ")", [text for _ in branches]

    def _page(
        self, parsed: ParsedQuery, filters: list[str], params: list[Any], sort: str, limit: int, offset: int
    ) -> list[Any]:
        columns = ", ".join(f"d.{c}" for c in HIT_COLUMNS)
        where, all_params = list(filters), list(params)
        if parsed.required:
            match, match_params = self._match(parsed)
            where, all_params = [match, *where], [*match_params, *all_params]
        clause = " AND ".join(where) or "TRUE"
        if sort == "relevance":
            tsquery, tsparams = self._tsquery_cases(parsed)
            order, order_params = f"ts_rank_cd(d.tsv, {tsquery}) DESC, d.sort_time DESC", tsparams
        else:
            order, order_params = "d.sort_time DESC, d.article_id", []
        return self.db.query(
            f"SELECT {columns} FROM search_docs d WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
            [*all_params, *order_params, limit, offset],
        )
