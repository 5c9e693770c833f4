"""robots.txt as RFC 9309 says, where Scrapy fails open.

Scrapy parses whatever body robots.txt returned and allows everything when the fetch fails. RFC 9309 §2.3.1:
a 4xx (but 429) means no rules; a 5xx, a 429 or an unreachable server means "assume complete disallow".
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from archiver.crawl.outcome import TLS_UNVERIFIED, is_tls_verification_failure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class _FixedAnswer(RobotParser):
    """A parser that allows or disallows everything, with no crawl delay and no sitemaps."""

    def __init__(self, allow: bool) -> None:
        self.allow = allow
        self.sitemaps: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> _FixedAnswer:  # pragma: no cover - unused
        return cls(True)

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return self.allow

    def crawl_delay(self, user_agent: str | bytes) -> float | None:
        return None


def robots_status_answer(status: int) -> bool | None:
    """True/False for a fixed allow/disallow-all answer by HTTP status, None when the rules in the body apply."""
    if status == 429 or status >= 500:
        return False
    if 400 <= status < 500:
        return True
    return None


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Replaces Scrapy's RobotsTxtMiddleware (same priority, same settings)."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """Scrapy keeps one Deferred per host while robots.txt downloads and lets every request to that host await
        it; under the asyncio reactor only the first waiter gets the parser (`Deferred.asFuture` callbacks return
        None), and None reads as "no robots.txt, allow all". Reading the settled parser back after the wait closes
        that hole (a shared-crawl worker popping a batch for a new host fetched a disallowed page through it)."""
        await super().robot_parser(request)
        parser = self._parsers.get(urlparse_cached(request).netloc)
        return None if isinstance(parser, Deferred) else parser

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        fixed = robots_status_answer(response.status)
        if fixed is None:
            await super()._parse_robots(response, netloc, request)
            return
        if not fixed:
            logger.warning(
                "robots.txt for %s answered %s: disallowing the whole host (RFC 9309)",
                netloc,
                response.status,
            )
            self._stats.inc_value("archiver/robotstxt/disallow_all")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        await self._settle(netloc, request, _FixedAnswer(fixed))

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):
            super()._robots_error(exc, netloc)
            return
        logger.warning("robots.txt for %s unreachable (%s): disallowing the whole host (RFC 9309)", netloc, exc)
        self._stats.inc_value("archiver/robotstxt/disallow_all")
        if is_tls_verification_failure(exc):
            self._stats.inc_value(TLS_UNVERIFIED)
        pending = self._parsers[netloc]
        parser = _FixedAnswer(False)
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    async def _settle(self, netloc: str, request: Request, parser: RobotParser) -> None:
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request
        )
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)
