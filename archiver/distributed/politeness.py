"""Per-origin politeness across all workers of a distributed crawl, through slots in Redis.

Scrapy's CONCURRENT_REQUESTS_PER_DOMAIN and DOWNLOAD_DELAY hold per process: N workers would hit a site N times
as hard. Here every download first takes a crawl-wide slot of its origin (host:port) in Redis: at most
CONCURRENT_REQUESTS_PER_DOMAIN at once over all workers, starts at least ARCHIVER_FRONTIER_DELAY (the crawl's
DOWNLOAD_DELAY, or robots.txt Crawl-delay if longer) apart, and none while a Retry-After runs. The middleware sits
next to the downloader (960), after every other wait, so a slot is taken just before the request is sent. Waiting
is non-blocking (Twisted `deferLater`); a worker that dies leaves its slots to expire after the lease TTL.
"""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.task import LoopingCall, deferLater

from archiver.crawl.politeness.delays import parse_retry_after
from archiver.distributed.frontier import Frontier, connect

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

SLOT_META_KEY = "archiver_origin_slot"


class SharedPolitenessMiddleware:
    def __init__(
        self,
        frontier: Frontier,
        token: str,
        delay: float,
        concurrency: int,
        hold: float,
        poll: float,
        user_agent: str = "*",
        crawl_delay_max: float = 60.0,
        retry_after_max: float = 600.0,
    ) -> None:
        self.frontier = frontier
        self.token = token
        self.delay = delay
        self.concurrency = concurrency
        self.hold = hold
        self.poll = poll
        self.user_agent = user_agent
        self.crawl_delay_max = crawl_delay_max
        self.retry_after_max = retry_after_max
        self.crawl_delays: dict[str, float] = {}
        self.held: dict[str, str] = {}  # slot token -> origin
        self._serial = itertools.count(1)
        self._renew = LoopingCall(self.renew)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPolitenessMiddleware:
        settings = crawler.settings
        frontier = Frontier(connect(settings["ARCHIVER_FRONTIER_URL"]), settings["ARCHIVER_FRONTIER_JOB"])
        middleware = cls(
            frontier,
            f"{settings['ARCHIVER_FRONTIER_JOB']}-w{settings['ARCHIVER_FRONTIER_WORKER']}",
            settings.getfloat("ARCHIVER_FRONTIER_DELAY"),
            settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            settings.getfloat("ARCHIVER_FRONTIER_LEASE_TTL"),
            settings.getfloat("ARCHIVER_FRONTIER_SLOT_POLL"),
            settings.get("ROBOTSTXT_USER_AGENT") or settings["USER_AGENT"],
            settings.getfloat("ARCHIVER_CRAWL_DELAY_MAX", 60.0),
            settings.getfloat("ARCHIVER_RETRY_AFTER_MAX", 600.0),
        )
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if delay:
            self.crawl_delays[urlparse_cached(request).netloc] = min(float(delay), self.crawl_delay_max)

    def spider_opened(self, spider: Any) -> None:
        self._renew.start(max(self.hold / 4, 0.05), now=False)

    def spider_closed(self, spider: Any) -> None:
        if self._renew.running:
            self._renew.stop()
        for token, origin in list(self.held.items()):
            self.frontier.release_origin_slot(origin, token)
        self.held.clear()

    def renew(self) -> None:
        """Keep this worker's slots while their downloads run; a dead worker's slots expire after `hold`."""
        self.frontier.extend_origin_slots([(origin, token) for token, origin in self.held.items()], self.hold)

    async def process_request(self, request: Request) -> None:
        origin = urlparse_cached(request).netloc
        token = f"{self.token}:{next(self._serial)}"
        interval = max(self.delay, self.crawl_delays.get(origin, 0.0))
        from twisted.internet import reactor  # the one Scrapy installed; importing it earlier would install another

        while True:
            wait = self.frontier.take_origin_slot(origin, token, self.concurrency, interval, self.hold)
            if wait == 0:
                break
            await maybe_deferred_to_future(deferLater(reactor, self.poll if wait < 0 else wait, lambda: None))
        self.held[token] = origin
        request.meta[SLOT_META_KEY] = token

    def _release(self, request: Request) -> None:
        token = request.meta.pop(SLOT_META_KEY, None)
        origin = self.held.pop(token, None) if token else None
        if origin is not None:
            self.frontier.release_origin_slot(origin, token)

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        if response.status in (429, 503):
            header = response.headers.get(b"Retry-After")
            wait = parse_retry_after(header.decode("latin-1") if header else None, time.time())
            if wait:
                self.frontier.push_origin_back(urlparse_cached(request).netloc, min(wait, self.retry_after_max))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)
        return None
