"""The search index: derived from the store like the catalog, kept current from it, rebuilt by `archiver reindex`.

One document per article: its newest archived version (the catalog says which capture is newest). `sync()` reads
the article JSON of the versions the index does not hold yet; it is cheap when nothing changed. The backends
(SQLite FTS5 beside the catalog, PostgreSQL full-text search in the catalog's database) differ only in how they
store and match text; filters, facets, paging and snippets are shared here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from archiver.catalog.db import Database
from archiver.errors import NotFoundError
from archiver.search.documents import Document, document
from archiver.search.normalize import normalize, stem_key
from archiver.search.query import ParsedQuery, SearchHit, SearchPage, SearchQuery, parse_query
from archiver.search.snippets import marks, snippet

if TYPE_CHECKING:
    from archiver.catalog.catalog import Catalog

HIT_COLUMNS = ("url", "site", "title", "published_at", "body", "article_key", "language", "captured_at")
BATCH = 500
MAX_PAGE_SIZE = 100
# When each index (with its store) was last synced in this process: `refresh()` reads it, so that readers which
# open the index anew for every request (the web app) still sync at most once per interval.
_SYNCED_AT: dict[str, float] = {}


def like_pattern(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SearchIndex:
    """Full-text search over the archive's articles. Thread-safe (the database connection has a lock)."""

    backend = "abstract"

    def __init__(self, db: Database, catalog: Catalog | None = None) -> None:
        self.db = db
        self.catalog = catalog
        self.create()

    # -- backend hooks ------------------------------------------------------------------------------------------
    def create(self) -> None:
        raise NotImplementedError

    def _upsert(self, docs: Sequence[Document]) -> None:
        raise NotImplementedError

    def _clear(self) -> None:
        raise NotImplementedError

    def _match(self, parsed: ParsedQuery) -> tuple[str, list[Any]]:
        """A condition on `d` (the search_docs row) true when the document matches."""
        raise NotImplementedError

    def _fast(
        self, parsed: ParsedQuery, query: SearchQuery, sort: str, limit: int, offset: int
    ) -> tuple[dict[str, int], dict[str, int], int, list[Any]] | None:
        """(site facet, month facet, total, page rows) by a backend's own quicker means, or None to use SQL."""
        return None

    def _facet_rows(self, parsed: ParsedQuery, filters: list[str], params: list[Any]) -> list[Any]:
        """(site, month, count) of every match."""
        where, all_params = list(filters), list(params)
        if parsed.required:
            match, match_params = self._match(parsed)
            where, all_params = [match, *where], [*match_params, *all_params]
        clause = " AND ".join(where) or "1 = 1"
        return self.db.query(
            f"SELECT d.site, d.month, COUNT(*) FROM search_docs d WHERE {clause} GROUP BY d.site, d.month", all_params
        )

    def _page(
        self, parsed: ParsedQuery, filters: list[str], params: list[Any], sort: str, limit: int, offset: int
    ) -> list[Any]:
        """Rows of HIT_COLUMNS for one page: by relevance when the query has words and asks for it, else newest
        first. `filters` are conditions on `d` without the match."""
        raise NotImplementedError

    # -- building -----------------------------------------------------------------------------------------------
    def add(self, docs: Iterable[Document]) -> int:
        """Index documents (a newer version of an article replaces the older one); returns how many."""
        count = 0
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= BATCH:
                with self.db.transaction():
                    self._upsert(batch)
                count += len(batch)
                batch = []
        if batch:
            with self.db.transaction():
                self._upsert(batch)
            count += len(batch)
        return count

    def _meta(self, name: str) -> str | None:
        row = self.db.one("SELECT value FROM search_meta WHERE name = ?", (name,))
        return str(row[0]) if row else None

    def _set_meta(self, name: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO search_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = ?",
            (name, value, value),
        )

    def sync(self) -> int:
        """Ingest the store's new crawls into the catalog, then index the article versions it does not hold yet;
        returns how many documents were added or replaced."""
        _SYNCED_AT[self._sync_key()] = time.monotonic()
        if self.catalog is None:
            return 0
        catalog = self.catalog
        catalog.sync()
        mark_row = catalog.db.one(
            "SELECT COUNT(*), MAX(captured_at) FROM captures WHERE article_key IS NOT NULL AND article_id IS NOT NULL"
        )
        mark = json.dumps([catalog.store.uri, *(mark_row or ())])
        if self._meta("catalog_mark") == mark:
            return 0
        newest: dict[str, tuple[str, str]] = {}
        rows = catalog.db.query(
            "SELECT article_id, captured_at, article_key FROM captures "
            "WHERE article_key IS NOT NULL AND article_id IS NOT NULL"
        )
        for article_id, captured_at, key in rows:
            if article_id not in newest or (captured_at, key) > newest[article_id]:
                newest[article_id] = (captured_at, key)
        known: dict[str, str] = dict(self.db.query("SELECT article_id, article_key FROM search_docs"))
        todo = [(c, k) for a, (c, k) in sorted(newest.items()) if known.get(a) != k]
        added = self.add(self._load(todo))
        self._set_meta("catalog_mark", mark)
        return added

    def _load(self, todo: Iterable[tuple[str, str]]) -> Iterator[Document]:
        assert self.catalog is not None
        store = self.catalog.store
        for captured_at, key in todo:
            try:
                with store.open(key) as handle:
                    article = json.loads(handle.read())
            except (NotFoundError, ValueError):
                continue  # not stored (yet): an article counts as archived only once its JSON is in the store
            if isinstance(article, dict):
                yield document(article, key, captured_at)

    def _sync_key(self) -> str:
        return f"{self.db.url} {self.catalog.store.uri if self.catalog is not None else ''}"

    def refresh(self, min_interval: float = 30.0) -> int:
        """`sync()` unless this process synced the same index in the last `min_interval` seconds: for a
        long-running reader such as the web app. (A sync reads the store's list of crawls and the catalog's
        captures: 30 to 50 ms per request on a catalog of 100,000 captures.)"""
        if time.monotonic() - _SYNCED_AT.get(self._sync_key(), float("-inf")) < min_interval:
            return 0
        return self.sync()

    def rebuild(self) -> int:
        """Drop every document and index the store's articles again (`archiver reindex`)."""
        with self.db.transaction():
            self._clear()
            self.db.execute("DELETE FROM search_meta WHERE name = 'catalog_mark'")
        self.sync()
        row = self.db.one("SELECT COUNT(*) FROM search_docs")
        return int(row[0]) if row else 0

    # -- searching ----------------------------------------------------------------------------------------------
    def _filters(self, query: SearchQuery) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if query.sites:
            where.append(f"d.site IN ({', '.join('?' for _ in query.sites)})")
            params.extend(query.sites)
        if query.date_from:
            where.append("d.day >= ?")
            params.append(query.date_from.isoformat())
        if query.date_to:
            where.append("d.day <= ?")
            params.append(query.date_to.isoformat())
        if query.language:
            where.append("d.language = ?")
            params.append(query.language)
        if query.section:
            where.append("d.section_norm = ?")
            params.append(normalize(query.section.strip()))
        if query.author:
            where.append("d.authors_norm LIKE ? ESCAPE '\\'")
            params.append(like_pattern(normalize(query.author.strip())))
        return where, params

    def search(self, query: SearchQuery) -> SearchPage:
        """One page of results with the total and the facets of every match (all filters applied). A query of
        exclusions only matches nothing; an empty query lists the filtered articles."""
        parsed = parse_query(query.q)
        if parsed.excluded and not parsed.required:
            return SearchPage(0, [], {"site": {}, "month": {}})
        size = max(1, min(query.page_size, MAX_PAGE_SIZE))
        offset = (max(1, query.page) - 1) * size
        sort = "relevance" if parsed.required and query.sort == "relevance" else "date"
        fast = self._fast(parsed, query, sort, size, offset)
        if fast is not None:
            sites, months, total, rows = fast
        else:
            filters, filter_params = self._filters(query)
            sites, months = {}, {}
            for site, month, count in self._facet_rows(parsed, filters, filter_params):
                sites[site] = sites.get(site, 0) + int(count)
                months[month] = months.get(month, 0) + int(count)
            total = sum(sites.values())
            rows = self._page(parsed, filters, filter_params, sort, size, offset) if total > offset else []
        wanted = {stem_key(word) for word in parsed.words()}
        hits = []
        for url, site, title, published_at, body, key, language, captured_at in rows:
            text, spans = snippet(body or "", wanted)
            hits.append(
                SearchHit(
                    url=url,
                    site=site,
                    title=title,
                    published_at=published_at,
                    snippet=text,
                    article_key=key,
                    highlights=spans,
                    title_highlights=tuple(marks(title, wanted)),
                    language=language,
                    captured_at=captured_at,
                )
            )
        facets = {"site": dict(sorted(sites.items())), "month": dict(sorted(months.items()))}
        return SearchPage(total, hits, facets)

    def count(self) -> int:
        row = self.db.one("SELECT COUNT(*) FROM search_docs")
        return int(row[0]) if row else 0

    def close(self) -> None:
        if self.catalog is not None and self.catalog.db is not self.db:
            self.catalog.close()
        self.db.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
