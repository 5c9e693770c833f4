"""Pace requests per host: robots.txt Crawl-delay and Retry-After, which Scrapy does not enforce.

Each host has a "not before" time. A request waits for its turn and books the next one `delay` later, so
concurrent requests to one host are spaced even when AutoThrottle would go faster. A 429/503 with Retry-After
pushes the host's turn back (capped by ARCHIVER_RETRY_AFTER_MAX) before RetryMiddleware re-schedules the request.
"""

from __future__ import annotations

import asyncio
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return None


class PolitenessMiddleware:
    def __init__(self, user_agent: str, retry_after_max: float, crawl_delay_max: float) -> None:
        self.user_agent = user_agent
        self.retry_after_max = retry_after_max
        self.crawl_delay_max = crawl_delay_max
        self.delays: dict[str, float] = {}
        self.not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        settings = crawler.settings
        middleware = cls(
            settings.get("ROBOTSTXT_USER_AGENT") or settings["USER_AGENT"],
            settings.getfloat("ARCHIVER_RETRY_AFTER_MAX", 600.0),
            settings.getfloat("ARCHIVER_CRAWL_DELAY_MAX", 60.0),
        )
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        return middleware

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if delay:
            self.delays[urlparse_cached(request).netloc] = min(float(delay), self.crawl_delay_max)

    async def process_request(self, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        now = time.monotonic()
        turn = max(now, self.not_before.get(netloc, 0.0))
        self.not_before[netloc] = turn + self.delays.get(netloc, 0.0)
        if turn > now:
            await asyncio.sleep(turn - now)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in (429, 503):
            header = response.headers.get(b"Retry-After")
            wait = parse_retry_after(header.decode("latin-1") if header else None, time.time())
            if wait is not None:
                netloc = urlparse_cached(request).netloc
                until = time.monotonic() + min(wait, self.retry_after_max)
                self.not_before[netloc] = max(self.not_before.get(netloc, 0.0), until)
        return response
