"""Where the search index lives and how it is opened: beside the catalog, in its database when it is PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path

from archiver.catalog.catalog import Catalog
from archiver.catalog.db import CatalogDamagedError, Database, set_aside
from archiver.errors import ArchiverError
from archiver.search.index import SearchIndex
from archiver.store import Store

log = logging.getLogger(__name__)


def search_path(catalog_path: Path) -> Path:
    """The SQLite search index of a SQLite catalog: `catalog.sqlite` -> `catalog.search.sqlite` beside it."""
    return catalog_path.with_name(f"{catalog_path.stem}.search.sqlite")


def _index(catalog: Catalog) -> SearchIndex:
    if catalog.db.dialect == "postgresql":
        from archiver.search.pg_index import PostgresSearchIndex

        return PostgresSearchIndex(catalog.db, catalog)
    from archiver.search.sqlite_index import SqliteSearchIndex

    assert catalog.db.path is not None
    return SqliteSearchIndex(Database(str(search_path(catalog.db.path))), catalog)


def open_search(store: Store, catalog_url: str | None = None) -> SearchIndex:
    """The search index of `store` (the catalog given by `catalog_url`, or the default one). It is not synced
    here: call `sync()` (or `refresh()` in a long-running process) to take in crawls that landed since."""
    catalog = Catalog.open(store, catalog_url)
    try:
        return _index(catalog)
    except BaseException:
        catalog.close()
        raise


def rebuild_search(store: Store, catalog_url: str | None = None) -> tuple[int, Path | None]:
    """`archiver reindex`: drop the search index and build it again from the store (through the catalog, which is
    rebuilt first). A damaged SQLite index file is set aside, never deleted; returns (documents, where it went)."""
    moved: Path | None = None
    for _attempt in range(2):
        try:
            with open_search(store, catalog_url) as index:
                return index.rebuild(), moved
        except CatalogDamagedError as exc:
            if moved is not None or not exc.path.name.endswith(".search.sqlite"):
                raise
            moved = set_aside(exc.path)
    raise AssertionError("unreachable")


def update_search(catalog: Catalog) -> int:
    """After a crawl: index the articles it stored. The index is derived data, so a failure here is logged and
    left for the next sync or `archiver reindex`; it never fails the crawl that archived the articles."""
    try:
        index = _index(catalog)
        try:
            return index.sync()
        finally:
            if index.db is not catalog.db:
                index.db.close()
    except (ArchiverError, OSError, ValueError) as exc:
        log.warning("search index not updated (%s): run `archiver reindex`", exc)
        return 0
