"""Keep a crawl on the origins (scheme-independent host and port) of its start URLs and site domains."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from archiver.urls import origin_of


class OriginScopeMiddleware:
    """Drops any request (a redirect target, a sitemap entry) whose origin the spider does not cover."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> OriginScopeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        allowed = getattr(spider, "allowed_origins", None)
        if allowed and origin_of(request.url) not in allowed:
            self.crawler.stats.inc_value("archiver/offsite_dropped")
            raise IgnoreRequest(f"off-site: {request.url}")
