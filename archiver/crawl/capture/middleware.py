"""Downloader middleware (priority 950, next to the downloader) that writes every network exchange to WARC.

It sees each redirect hop, each retried 503 and robots.txt fetches; HTTP-cache hits carry no wire exchange and are
never archived as new captures. The response's capture reference goes to `request.meta["archiver_capture"]`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.http import Request, Response

from archiver.crawl.archive.extension import Stats, archive_of
from archiver.crawl.capture.wiretap import WIRE_META_KEY
from archiver.crawl.outcome import TLS_UNVERIFIED, is_tls_verification_failure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

if TYPE_CHECKING:
    from archiver.crawl.archive.crawl_archive import CrawlArchive
    from archiver.crawl.discovery.crawl_scope import CrawlScope

logger = logging.getLogger(__name__)
CAPTURE_META_KEY = "archiver_capture"


class WarcCaptureMiddleware:
    def __init__(self, archive: CrawlArchive, scope: CrawlScope, stats: Stats) -> None:
        self.archive = archive
        self.scope = scope
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        found = archive_of(crawler)
        return cls(found.archive, found.scope, crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        exchange = request.meta.pop(WIRE_META_KEY, None)
        request.meta.pop(CAPTURE_META_KEY, None)  # a stale one copied from an earlier hop must not survive
        if exchange is None or "cached" in response.flags:
            return response
        capture = self.archive.record_exchange(self.scope.site_for_url(request.url), request.url, exchange)
        if capture is not None:
            request.meta[CAPTURE_META_KEY] = capture
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        # A download that failed part-way (size limit, data loss, timeout) is not archived as a capture.
        if request.meta.pop(WIRE_META_KEY, None) is not None:
            self.stats.inc_value("archiver/partial_exchanges_dropped")
        if is_tls_verification_failure(exception):
            self.stats.inc_value(TLS_UNVERIFIED)
        return None
