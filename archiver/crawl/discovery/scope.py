"""Keep a crawl on the origins (scheme-independent host and port) of its start URLs and site domains."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from archiver.crawl.archive.extension import Stats, installed_archive
from archiver.crawl.discovery.crawl_scope import CrawlScope

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class OriginScopeMiddleware:
    """Drops any request (a redirect target, a sitemap entry) whose origin the crawl does not cover."""

    def __init__(self, scope: CrawlScope | None, stats: Stats) -> None:
        self.scope = scope  # None: a crawl without the archive extension (a bare spider) is not scoped here
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OriginScopeMiddleware:
        found = installed_archive(crawler)
        return cls(found.scope if found else None, crawler.stats)

    def process_request(self, request: Request) -> None:
        if self.scope is not None and self.scope.site_by_origin and not self.scope.covers(request.url):
            self.stats.inc_value("archiver/offsite_dropped")
            raise IgnoreRequest(f"off-site: {request.url}")
