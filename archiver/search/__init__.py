"""Full-text search over the archive's articles (docs/search.md): Arabic-aware matching, English stemming,
phrases, filters, facets and snippets, on SQLite FTS5 beside the catalog or on PostgreSQL with it."""

from __future__ import annotations

from archiver.search.index import SearchIndex
from archiver.search.open import open_search, rebuild_search, search_path, update_search
from archiver.search.query import SearchHit, SearchPage, SearchQuery

__all__ = [
    "SearchHit",
    "SearchIndex",
    "SearchPage",
    "SearchQuery",
    "open_search",
    "rebuild_search",
    "search_path",
    "update_search",
]
