"""Article versions as the catalog describes them (archiver/catalog/versions.py), for exports.

An export looks each chosen version up here before reading it: a version the catalog describes is selected (site,
language, date) without being read, and its near-duplicate signature is not computed again. A version the catalog
does not describe yet is described from the one read the export makes anyway, and the description is saved for the
next export. After a crawl, `catalogue_versions` describes the versions it stored, so the next export reads each
article only to write its row.

The catalog is a cache: when it cannot be opened or written (a read-only copy of a store, a damaged file), the
export goes on without it and says so in the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from archiver.catalog.versions import LOOKUP_BATCH, ArticleVersion, known_versions, missing_keys, save_versions
from archiver.datasets.near_duplicates import FEATURES, describe, faithful
from archiver.errors import ConfigError, NotFoundError
from archiver.store import Store

if TYPE_CHECKING:
    from archiver.catalog.catalog import Catalog

log = logging.getLogger(__name__)


class CataloguedVersions:
    """Lookups and saves of article version descriptions, batched; a no-op without a catalog."""

    def __init__(self, catalog: Catalog | None) -> None:
        self.catalog = catalog
        self._new: list[ArticleVersion] = []
        self.looked_up = self.found = self.saved = 0

    @classmethod
    def open(cls, store: Store, catalog_url: str | None) -> CataloguedVersions:
        """The catalog of `store` (`catalog_url`, else the default one). A catalog named explicitly must open; the
        default one is used when it can be."""
        from archiver.catalog.catalog import Catalog

        try:
            return cls(Catalog.open(store, catalog_url))
        except ConfigError:
            if catalog_url is not None:
                raise
            log.warning("export: the catalog of %s is not usable; every article is described afresh", store.uri)
        except Exception as exc:  # noqa: BLE001 - derived data: a damaged or unwritable catalog must not stop an export
            log.warning("export without the catalog (%s: %s): run `archiver reindex`", type(exc).__name__, exc)
        return cls(None)

    def lookup(self, keys: Sequence[str]) -> dict[str, ArticleVersion]:
        if self.catalog is None or not keys:
            return {}
        self.looked_up += len(keys)
        try:
            found = known_versions(self.catalog.db, keys, FEATURES)
        except Exception as exc:  # noqa: BLE001 - see `open`
            self._give_up(exc)
            return {}
        self.found += len(found)
        return found

    def add(self, version: ArticleVersion) -> None:
        if self.catalog is not None:
            self._new.append(version)
            if len(self._new) >= LOOKUP_BATCH:
                self.flush()

    def flush(self) -> None:
        if self.catalog is None or not self._new:
            return
        try:
            self.saved += save_versions(self.catalog.db, self._new)
        except Exception as exc:  # noqa: BLE001 - see `open`
            self._give_up(exc)
        self._new = []

    def _give_up(self, exc: Exception) -> None:
        log.warning("export goes on without the catalog (%s: %s)", type(exc).__name__, exc)
        self.close()

    def close(self) -> None:
        self._new = []
        if self.catalog is not None:
            catalog, self.catalog = self.catalog, None
            catalog.close()


def catalogue_versions(catalog: Catalog, sites: Sequence[str] = ()) -> int:
    """Describe the article versions the catalog's captures name (of `sites`, or all) that it does not describe
    yet, reading each once; returns how many. A version whose JSON is not stored is left for later."""
    done, last = 0, ""
    while keys := missing_keys(catalog.db, FEATURES, sites, last, LOOKUP_BATCH):
        last = keys[-1]
        described = []
        for key in keys:
            try:
                with catalog.store.open(key) as handle:
                    article = json.loads(handle.read())
            except (NotFoundError, ValueError):
                continue
            if isinstance(article, dict) and "id" in article and faithful(article):
                described.append(describe(key, article))
        save_versions(catalog.db, described)
        done += len(described)
    return done


def update_versions(catalog: Catalog, sites: Sequence[str] = ()) -> int:
    """After a crawl: describe the article versions it stored, so the next export only reads them to write their
    rows. Derived data, like the search index: a failure is logged, never fails the crawl, and the next export
    describes what is missing."""
    try:
        return catalogue_versions(catalog, sites)
    except Exception as exc:  # noqa: BLE001 - any database error: the crawl's articles are archived regardless
        log.warning("article descriptions not catalogued (%s: %s): the next export makes them", type(exc).__name__, exc)
        return 0
