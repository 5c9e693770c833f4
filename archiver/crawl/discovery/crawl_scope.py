"""What one crawl covers: the origins it may fetch, the site each belongs to, and the non-public addresses its start
URLs name (plain values, built once from the crawl's targets and shared through the archive extension)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archiver.crawl.politeness.netsafety import named_addresses
from archiver.urls import origin_of


@dataclass(frozen=True)
class CrawlScope:
    """Which origins one crawl may fetch, which site each belongs to, and which non-public addresses its start
    URLs name themselves (those alone may be connected to; archiver/crawl/politeness/netsafety.py)."""

    site_by_origin: Mapping[str, str] = field(default_factory=dict)
    named_addresses: frozenset[str] = frozenset()

    @classmethod
    def of(cls, sites: Iterable[tuple[str, Iterable[str]]], start_urls: Iterable[str]) -> CrawlScope:
        """From (site, its origins) pairs and every start URL of the crawl."""
        return cls({origin: site for site, origins in sites for origin in origins}, named_addresses(start_urls))

    @property
    def allowed_origins(self) -> frozenset[str]:
        return frozenset(self.site_by_origin)

    def covers(self, url: str) -> bool:
        return origin_of(url) in self.site_by_origin

    def site_for_url(self, url: str) -> str:
        return self.site_by_origin.get(origin_of(url)) or (urlsplit(url).hostname or "unknown")
