"""Scrapy side of the shared frontier: scrapy-redis's scheduler, queue and dupefilter, adapted to leases.

- `LeasedQueue.pop` leases a request (archiver/distributed/frontier.py) instead of deleting it; the lease id rides in
  `request.meta["archiver_lease"]`.
- A lease ends when its request is done: when the spider has consumed the response (LeaseReleaseSpiderMiddleware,
  after the callback's requests are queued), when a download fails for good (LeaseReleaseDownloaderMiddleware),
  or when a redirect or retry queues a successor (`enqueue_request`, successor first). Whatever slips through
  those (an exception raised inside another middleware's process_response) is released when this worker is idle.
- A heartbeat pushes this worker's lease deadlines on and puts other workers' expired leases back in the queue.
- End of crawl: this worker idle, the queue empty, no lease held by anyone, for ARCHIVER_FRONTIER_IDLE_GRACE
  seconds. The worker marks the job done and closes its spider ("finished").
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from archiver.distributed.frontier import Frontier

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
LEASE_META_KEY = "archiver_lease"
WAKE_META_KEY = "archiver_wake"  # a request this worker popped to wake its idle engine (see _wake)
PAGE_CALLBACK = "parse_page"  # the spider counts these against its page budget (discovery/spider.py)


class LeasedQueue(PriorityQueue):  # type: ignore[misc]
    """scrapy-redis's priority queue, FIFO within a priority, whose pop leases instead of deleting."""

    def __init__(self, server: redis.Redis, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        settings = spider.crawler.settings
        self.frontier = Frontier(server, settings["ARCHIVER_FRONTIER_JOB"])
        self.ttl = settings.getfloat("ARCHIVER_FRONTIER_LEASE_TTL")
        self.token = str(settings["ARCHIVER_FRONTIER_WORKER"])
        self._serial = itertools.count(1)

    def push(self, request: Request) -> None:
        self.frontier.push(self._encode_request(request), request.priority)

    def pop(self, timeout: int = 0) -> Request | None:
        lease = f"{self.token}:{next(self._serial)}"
        data = self.frontier.pop_leased(lease, self.ttl)
        if data is None:
            return None
        try:
            request: Request = self._decode_request(data)
        except Exception:  # a request this code cannot rebuild would come back forever: drop it, loudly
            logger.exception("dropping an undecodable request from the frontier: %r", data[:200])
            self.frontier.ack([lease])
            return None
        request.meta[LEASE_META_KEY] = lease
        return request


class FrontierDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's Redis dupefilter; the fingerprints belong to the job, so one worker closing keeps them."""

    def close(self, reason: str = "") -> None:
        return None


class LeasingScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler with leases, a crawl-wide page budget, and the end-of-crawl watch."""

    crawler: Crawler
    queue: LeasedQueue
    # Set in from_crawler: scrapy-redis builds the instance itself (from_settings), with its own arguments.
    ttl: float
    grace: float
    poll: float
    keep: int
    page_budget: int
    token: str
    held: set[str]
    ready: deque[Request]
    idle_since: float | None
    closing: bool
    spider_opened: bool
    next_heartbeat: float
    watch: LoopingCall

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasingScheduler:
        scheduler: LeasingScheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.crawler = crawler
        scheduler.ttl = settings.getfloat("ARCHIVER_FRONTIER_LEASE_TTL")
        scheduler.grace = settings.getfloat("ARCHIVER_FRONTIER_IDLE_GRACE")
        scheduler.poll = settings.getfloat("ARCHIVER_FRONTIER_POLL")
        scheduler.keep = settings.getint("ARCHIVER_FRONTIER_KEEP")
        scheduler.page_budget = settings.getint("ARCHIVER_FRONTIER_MAX_PAGES")
        scheduler.token = str(settings["ARCHIVER_FRONTIER_WORKER"])
        scheduler.held = set()
        scheduler.ready = deque()
        scheduler.idle_since = None
        scheduler.closing = False
        scheduler.spider_opened = False
        scheduler.next_heartbeat = 0.0
        scheduler.watch = LoopingCall(scheduler.tick)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(scheduler._spider_opened, signal=signals.spider_opened)
        return scheduler

    @property
    def frontier(self) -> Frontier:
        return self.queue.frontier

    def open(self, spider: Any) -> None:
        super().open(spider)
        if self.page_budget and getattr(spider, "max_pages", None) is not None:
            # The spider's own budget counts what this process scheduled, Redis duplicates included; the crawl-wide
            # counter in enqueue_request is the one that holds across workers.
            spider.max_pages = None
        self.frontier.register_worker(self.token, str(self.crawler.settings.get("ARCHIVER_FRONTIER_JOB")))
        self.watch.start(self.poll, now=False).addErrback(lambda f: logger.error("frontier watch stopped: %s", f))

    def close(self, reason: str) -> None:
        if self.watch.running:
            self.watch.stop()
        unfinished = [r.meta.get(LEASE_META_KEY) for r in self.ready] + sorted(self.held)
        given_back = self.frontier.give_back([lease for lease in unfinished if lease])
        if given_back:
            logger.info("gave %d unfinished request(s) back to the frontier (%s)", given_back, reason)
        self.held.clear()
        self.frontier.unregister_worker(self.token)
        super().close(reason)

    # -- the queue ------------------------------------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        if request.meta.pop(WAKE_META_KEY, False):
            self.ready.append(request)
            return True
        predecessor = request.meta.pop(LEASE_META_KEY, None)  # a redirect or retry of a leased request
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            if predecessor is None and self._over_budget(request):
                return False
            self.queue.push(request)
            self.stats.inc_value("scheduler/enqueued/redis")
            return True
        finally:
            if predecessor:
                self.finish_lease(predecessor)  # only now: its successor is safely queued

    def _over_budget(self, request: Request) -> bool:
        if not self.page_budget or getattr(request.callback, "__name__", None) != PAGE_CALLBACK:
            return False
        if self.frontier.count_page() <= self.page_budget:
            return False
        self.stats.inc_value("archiver/frontier/over_page_budget")
        return True

    def _pop(self) -> Request | None:
        request = self.queue.pop()
        if request is not None:
            self.held.add(request.meta[LEASE_META_KEY])
        return request

    def next_request(self) -> Request | None:
        request = self.ready.popleft() if self.ready else self._pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return bool(self.ready) or len(self.queue) > 0

    # -- leases ---------------------------------------------------------------------------------------------------
    def finish(self, request: Request) -> None:
        """This worker is done with `request`: release its lease (no-op when it has none, or had one released)."""
        lease = request.meta.pop(LEASE_META_KEY, None)
        if lease:
            self.finish_lease(lease)

    def finish_lease(self, lease: str) -> None:
        self.held.discard(lease)
        self.frontier.ack([lease])

    # -- the watch: heartbeat, waking up, end of crawl ------------------------------------------------------------
    def tick(self) -> None:
        """Every ARCHIVER_FRONTIER_POLL seconds. Never raises: a stopped heartbeat would hand this worker's
        requests to others while it still works on them."""
        try:
            if time.monotonic() >= self.next_heartbeat:
                self._heartbeat()
                self.next_heartbeat = time.monotonic() + self.ttl / 4
            if self.spider_opened and not self.closing:
                self._watch()
        except redis.RedisError as exc:  # Redis restarting: leases outlive a short outage, try again next tick
            logger.warning("frontier unreachable: %s", exc)
        except Exception:
            logger.exception("frontier watch failed; trying again")

    def _spider_opened(self, spider: Any) -> None:
        self.spider_opened = True  # the engine's scraper and downloader are ready to be asked about idleness

    def _watch(self) -> None:
        now = time.monotonic()
        engine = self.crawler.engine
        if engine is None or not engine.running or engine.scheduler is not self:
            return  # not started, or stopping (SIGTERM): close() gives back what is left
        if not engine.spider_is_idle():
            self.idle_since = None
            if not engine.needs_backout() and not self.ready and self.frontier.queued():
                self._wake()  # another worker queued work while this one waited for its downloads
            return
        if self.held:
            # Idle means nothing popped here is still in progress: these ended on a path no hook saw.
            logger.debug("releasing %d lease(s) of finished requests", len(self.held))
            self.frontier.ack(sorted(self.held))
            self.held.clear()
        queued, leased = self.frontier.status()
        if queued:
            self.idle_since = None
            self._wake()
        elif leased:
            self.idle_since = None  # other workers are still busy and may queue more
        elif self.idle_since is None:
            self.idle_since = now
        elif now - self.idle_since >= self.grace:
            self._finish_job()

    def _heartbeat(self) -> None:
        lost = self.frontier.extend(sorted(self.held), self.ttl)
        for lease in lost:  # this worker stalled past the deadline; another worker may redo the request
            self.held.discard(lease)
            self.stats.inc_value("archiver/frontier/leases_lost")
        reclaimed = self.frontier.reclaim_expired()
        if reclaimed:
            logger.info("put %d request(s) of a stopped worker back in the queue", reclaimed)
            self.stats.inc_value("archiver/frontier/leases_reclaimed", reclaimed)
        self.frontier.register_worker(self.token, str(self.crawler.settings.get("ARCHIVER_FRONTIER_JOB")))

    def _wake(self) -> None:
        """Hand the idle engine one request through `engine.crawl`, which also makes it pull the rest."""
        request = self._pop()
        if request is None:
            return
        request.meta[WAKE_META_KEY] = True
        self.crawler.engine.crawl(request)
        if request.meta.pop(WAKE_META_KEY, False):  # a request_scheduled handler dropped it: not ours to lose
            lease = request.meta.pop(LEASE_META_KEY)
            self.held.discard(lease)
            self.frontier.give_back([lease])

    def _finish_job(self) -> None:
        self.closing = True
        self.frontier.finish(self.keep)
        logger.info("frontier drained: queue empty and nothing leased; closing")
        done = deferred_from_coro(self.crawler.engine.close_spider_async(reason="finished"))
        done.addErrback(lambda f: logger.error("closing the spider failed: %s", f))

    def spider_idle(self, spider: Any) -> None:
        if not self.closing:
            raise DontCloseSpider  # the watch decides: other workers may still queue requests


def _scheduler_of(crawler: Crawler) -> LeasingScheduler | None:
    engine = getattr(crawler, "engine", None)
    scheduler = getattr(engine, "scheduler", None)
    return scheduler if isinstance(scheduler, LeasingScheduler) else None


class LeaseReleaseSpiderMiddleware:
    """Outermost spider middleware: the lease ends once the callback's output (new requests queued) is through."""

    def __init__(self, scheduler: Callable[[], LeasingScheduler | None]) -> None:
        self.scheduler = scheduler  # the crawl's leasing scheduler, once the engine has one

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseReleaseSpiderMiddleware:
        return cls(lambda: _scheduler_of(crawler))

    def _finish(self, response: Response) -> None:
        scheduler = self.scheduler()
        request = getattr(response, "request", None)
        if scheduler is not None and request is not None:
            scheduler.finish(request)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        try:
            yield from result
        finally:
            self._finish(response)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for item in result:
                yield item
        finally:
            self._finish(response)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self._finish(response)
        return None


class LeaseReleaseDownloaderMiddleware:
    """Farthest from the downloader: its process_exception runs only when no middleware retried the request."""

    def __init__(self, scheduler: Callable[[], LeasingScheduler | None]) -> None:
        self.scheduler = scheduler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseReleaseDownloaderMiddleware:
        return cls(lambda: _scheduler_of(crawler))

    def process_exception(self, request: Request, exception: Exception) -> None:
        scheduler = self.scheduler()
        if scheduler is not None:
            scheduler.finish(request)
        return None
