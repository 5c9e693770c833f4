"""Which article versions an export holds: filters on site, publication date and language; latest or all versions.

Reads the store lazily in key order (`articles/{site}/{id}/{fetched_at}.json`), so the versions of one article are
adjacent and the latest is the last: memory stays flat however large the archive."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from itertools import groupby
from typing import Any

from archiver.store import Store
from archiver.store.layout import ARTICLE_SUFFIX, article_of_version, site_articles_prefix

VERSION_CHOICES = ("latest", "all")


@dataclass(frozen=True)
class ExportFilter:
    sites: tuple[str, ...] = ()  # any of these (none: every site)
    date_from: date | None = None  # inclusive, on published_at's calendar date as published
    date_to: date | None = None  # inclusive
    languages: tuple[str, ...] = ()  # any of these
    versions: str = "latest"

    def accepts(self, article: dict[str, Any]) -> bool:
        if self.sites and article.get("site") not in self.sites:
            return False
        if self.languages and article.get("language") not in self.languages:
            return False
        if self.date_from or self.date_to:
            published = article.get("published_at")
            if not published:
                return False
            day = date.fromisoformat(str(published)[:10])
            if (self.date_from and day < self.date_from) or (self.date_to and day > self.date_to):
                return False
        return True

    def as_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, tuple):
                return list(value)
            return str(value) if value is not None else None

        return {key: plain(value) for key, value in asdict(self).items()}


def iter_articles(store: Store, site: str | None = None) -> Iterator[dict[str, Any]]:
    """Every stored article version, one at a time, in key order (site, article id, capture time)."""
    for info in store.list(site_articles_prefix(site)):
        if info.key.endswith(ARTICLE_SUFFIX):
            with store.open(info.key) as handle:
                yield json.loads(handle.read())


def chosen_keys(store: Store, selection: ExportFilter) -> Iterator[str]:
    """The keys of the versions the selection takes before its filters: the newest of each article ('latest') or
    every one ('all'), site by site in key order. The store's own listing: it is the truth, the catalog a cache."""
    prefixes = [site_articles_prefix(site) for site in sorted(set(selection.sites))] or [site_articles_prefix()]
    for prefix in prefixes:
        keys = (info.key for info in store.list(prefix) if info.key.endswith(ARTICLE_SUFFIX))
        for _article, group in groupby(keys, key=article_of_version):
            versions = list(group)  # one article's versions: a handful of keys
            yield from (versions if selection.versions == "all" else [max(versions)])


def select(store: Store, selection: ExportFilter) -> Iterator[dict[str, Any]]:
    """The versions the filter accepts, each read once, in the order of `chosen_keys`."""
    for key in chosen_keys(store, selection):
        with store.open(key) as handle:
            article = json.loads(handle.read())
        if selection.accepts(article):
            yield article
