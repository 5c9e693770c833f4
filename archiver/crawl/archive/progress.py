"""Crawl progress every ARCHIVER_PROGRESS_INTERVAL seconds: pages, articles, errors, rate and queue size.

On a terminal (and text logs) one live line is rewritten in place with `\\r`; otherwise each report is a log record
whose structured fields (`record.fields`) the CLI's JSON log format turns into one JSON object per line. The
extension never prints: it logs, or writes to the stream it was given.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

Stats = Callable[[], Mapping[str, Any]]
QueueSize = Callable[[], int | None]


class CrawlProgress:
    def __init__(
        self,
        interval: float,
        stats: Stats,
        queue_size: QueueSize = lambda: None,
        in_flight: QueueSize = lambda: None,
        live: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.stats = stats
        self.queue_size = queue_size
        self.in_flight = in_flight
        self.live = live  # a terminal to rewrite one line on; None: log records
        self.clock = clock
        self.started = clock()
        self._last_time = self.started
        self._last_pages = 0
        self._task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        interval = crawler.settings.getfloat("ARCHIVER_PROGRESS_INTERVAL", 10.0)
        if interval <= 0:
            raise NotConfigured
        text_logs = str(crawler.settings.get("ARCHIVER_LOG_FORMAT", "text")).lower() != "json"
        live = sys.stderr if text_logs and sys.stderr.isatty() else None
        progress = cls(
            interval, crawler.stats.get_stats, lambda: _queue_size(crawler), lambda: _in_flight(crawler), live
        )
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def spider_opened(self) -> None:
        from scrapy.utils.asyncio import create_looping_call

        self.started = self._last_time = self.clock()
        self._task = create_looping_call(self.report)
        self._task.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        self.report(final=True)

    def snapshot(self, final: bool = False) -> dict[str, Any]:
        """The numbers of one report (also the JSON fields): the rate is over the last interval, or over the whole
        crawl in the final report."""
        stats = self.stats()
        now = self.clock()
        pages = int(stats.get("response_received_count", 0))
        server_errors = sum(
            int(count) for name, count in stats.items() if name.startswith("downloader/response_status_count/5")
        )
        elapsed = now - self.started
        since, before = (self.started, 0) if final else (self._last_time, self._last_pages)
        rate = (pages - before) * 60 / (now - since) if now > since else 0.0
        self._last_time, self._last_pages = now, pages
        return {
            "event": "progress_final" if final else "progress",
            "elapsed_s": round(elapsed, 1),
            "pages": pages,
            "articles": int(stats.get("item_scraped_count", 0)),
            "errors": int(stats.get("downloader/exception_count", 0)) + server_errors,
            "pages_per_min": round(rate, 1),
            "queued": self.queue_size(),
            "in_flight": self.in_flight(),
        } | (self._backfill(stats, rate) if stats.get("archiver/backfill") else {})

    def _backfill(self, stats: Mapping[str, Any], rate: float) -> dict[str, Any]:
        """A backfill's totals over all its runs (its journal's), the oldest day reached and what is left: requests
        pending plus listing pages its paginations show but it has not reached, and the time that takes at the
        current rate."""
        pending = stats.get("archiver/backfill_pending")
        if pending is None:
            pending = self.queue_size()
        left = int(pending or 0) + int(stats.get("archiver/backfill_listing_pages_left", 0))
        return {
            "backfill_pages_done": int(
                stats.get("archiver/backfill_pages_done", stats.get("response_received_count", 0))
            ),
            "backfill_articles": int(stats.get("archiver/backfill_articles", stats.get("item_scraped_count", 0))),
            "oldest_date": stats.get("archiver/backfill_oldest"),
            "pages_left": left,
            "eta_min": round(left / rate, 1) if rate > 0 else None,
        }

    def report(self, final: bool = False) -> dict[str, Any]:
        fields = self.snapshot(final)
        queued, in_flight = ("?" if fields[name] is None else fields[name] for name in ("queued", "in_flight"))
        text = (
            f"{fields['pages']} pages, {fields['articles']} articles, {fields['errors']} errors, "
            f"{fields['pages_per_min']:.0f} pages/min, {queued} queued, {in_flight} downloading, "
            f"{fields['elapsed_s']:.0f}s" + (" (final)" if final else "")
        )
        if "pages_left" in fields:
            eta = "" if fields["eta_min"] is None else f", ~{fields['eta_min']:.0f} min"
            text += (
                f"; backfill: {fields['backfill_pages_done']} pages done, {fields['backfill_articles']} articles, "
                f"oldest {fields['oldest_date'] or '?'}, ~{fields['pages_left']} pages left{eta}"
            )
        if self.live is not None:
            # Clear to the end of the line: the new line may be shorter than the last one.
            self.live.write(f"\r{text}\x1b[K" + ("\n" if final else ""))
            self.live.flush()
        else:
            logger.info("progress: %s", text, extra={"fields": fields})
        return fields


def _queue_size(crawler: Crawler) -> int | None:
    """Requests waiting in the scheduler (None when there is no scheduler or it cannot tell)."""
    scheduler = getattr(getattr(crawler, "engine", None), "scheduler", None)
    try:
        return len(scheduler) if scheduler is not None else None
    except (TypeError, NotImplementedError):
        return None


def _in_flight(crawler: Crawler) -> int | None:
    """Requests being downloaded now."""
    active = getattr(getattr(getattr(crawler, "engine", None), "downloader", None), "active", None)
    return len(active) if active is not None else None
