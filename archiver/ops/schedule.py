"""Cron schedules: start each site's crawl when its profile's `schedule` (a cron expression, in UTC) is due.

The `Scheduler` is driven by `tick()`: reap finished crawls, extend the locks of running ones, start what is due.
`run()` repeats that until `stop()` (the CLI calls it on SIGTERM/SIGINT), then stops running crawls gracefully and
releases its locks. Time comes from an injected `now()` and crawls from an injected launcher, so tests drive a
scheduler with a fake clock and a recording launcher.

Catch-up: a site's next due time is stored; when the scheduler finds it in the past (it was down across one or many
due times, or the previous crawl overran), the site gets ONE run, and the next due time is computed from now.
A site never crawled by this catalog is due at once.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from croniter import croniter

from archiver.errors import ConfigError
from archiver.ops.schedule_state import ScheduleState
from archiver.profile_validation import cron_problem

logger = logging.getLogger(__name__)

DEFAULT_LOCK_TTL = timedelta(minutes=5)
DEFAULT_INTERVAL = 30.0  # seconds between ticks; far below the lock TTL, so heartbeats keep locks fresh
DEFAULT_GRACE = 75.0  # seconds a stopping crawl gets to finish in-flight requests and write its manifest
HEARTBEAT_WHILE_STOPPING = 30.0


class CrawlHandle(Protocol):
    """A started crawl (`subprocess.Popen` is one)."""

    def poll(self) -> int | None: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...


Launcher = Callable[[str, str], CrawlHandle]  # (site, crawl_id) -> a started crawl


def utc_now() -> datetime:
    return datetime.now(UTC)


def next_after(cron: str, moment: datetime) -> datetime:
    """The first time strictly after `moment` that `cron` matches (UTC)."""
    result: datetime = croniter(cron, moment.astimezone(UTC)).get_next(datetime)
    return result


def check_cron(site: str, cron: str) -> str:
    if problem := cron_problem(cron):
        raise ConfigError(f"site {site}: schedule {problem}; fix it in its profile")
    return cron


def site_schedules(sites: list[str] | None = None) -> dict[str, str]:
    """Site id -> cron expression from the registered profiles (all of them, or the named ones)."""
    from archiver.sites import get_profile, profiles

    chosen = [get_profile(site) for site in sites] if sites else list(profiles().values())
    return {profile.id: check_cron(profile.id, profile.schedule) for profile in chosen}


def scheduled_crawl_id(site: str, moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}-{site}-{secrets.token_hex(3)}"


@dataclass
class RunningCrawl:
    site: str
    crawl_id: str
    handle: CrawlHandle
    started_at: datetime
    stopping: str | None = None  # why we asked it to stop, when we did


@dataclass(frozen=True)
class FinishedCrawl:
    site: str
    crawl_id: str
    outcome: str
    exit_code: int | None


@dataclass
class TickReport:
    started: list[str] = field(default_factory=list)
    finished: list[FinishedCrawl] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # due, but --max-parallel crawls are already running
    locked_elsewhere: list[str] = field(default_factory=list)  # due, but another scheduler holds a fresh lock


class Scheduler:
    def __init__(
        self,
        state: ScheduleState,
        launcher: Launcher,
        schedules: Mapping[str, str],
        now: Callable[[], datetime] = utc_now,
        *,
        max_parallel: int = 2,
        lock_ttl: timedelta = DEFAULT_LOCK_TTL,
        owner: str | None = None,
    ) -> None:
        if max_parallel < 1:
            raise ConfigError("--max-parallel must be at least 1")
        self.state = state
        self.launcher = launcher
        self.schedules = {site: check_cron(site, cron) for site, cron in schedules.items()}
        self.now = now
        self.max_parallel = max_parallel
        self.lock_ttl = lock_ttl
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.running: dict[str, RunningCrawl] = {}
        self.finished: list[FinishedCrawl] = []
        self._stop = threading.Event()
        self._once = False  # run(once=True): each site starts at most once, however long its crawl takes

    # -- one step ----------------------------------------------------------------------------------------------------
    def tick(self) -> TickReport:
        """Reap finished crawls, heartbeat running ones, start the due ones (unless stopping)."""
        now = self.now()
        report = TickReport()
        self._reap(now, report)
        if self._stop.is_set():
            return report
        for site, cron in self.schedules.items():
            self._consider(site, cron, now, report)
        return report

    def _reap(self, now: datetime, report: TickReport) -> None:
        for site, crawl in list(self.running.items()):
            code = crawl.handle.poll()
            if code is None:
                if crawl.stopping is None and not self.state.heartbeat(site, self.owner, now, self.lock_ttl):
                    # Our lock went stale (this process stalled) and another scheduler may have started the site.
                    logger.error("lost the lock of %s to another scheduler; stopping crawl %s", site, crawl.crawl_id)
                    crawl.stopping = "lock lost"
                    crawl.handle.terminate()
                continue
            outcome = "ok" if code == 0 else f"failed (exit {code})"
            if crawl.stopping:
                outcome = f"stopped: {crawl.stopping} (exit {code})"
            self._finish(crawl, outcome, code, now, report)

    def _finish(self, crawl: RunningCrawl, outcome: str, code: int | None, now: datetime, report: TickReport) -> None:
        del self.running[crawl.site]
        self.state.finished(crawl.site, crawl.crawl_id, outcome, code, now)
        self.state.release(crawl.site, self.owner)
        done = FinishedCrawl(crawl.site, crawl.crawl_id, outcome, code)
        self.finished.append(done)
        report.finished.append(done)
        log = logger.info if code == 0 else logger.warning
        log("crawl %s of %s finished: %s", crawl.crawl_id, crawl.site, outcome)

    def _consider(self, site: str, cron: str, now: datetime, report: TickReport) -> None:
        planned = self.state.get(site)
        if planned is None or planned.cron != cron:
            # Never crawled through this catalog: due now. A changed cron expression counts from now.
            self.state.plan(site, cron, now if planned is None else next_after(cron, now), now)
            planned = self.state.get(site)
        if planned is None or site in self.running or planned.next_run > now:
            return
        if self._once and any(done.site == site for done in self.finished):
            return
        if len(self.running) >= self.max_parallel:
            report.waiting.append(site)
            return
        if not self.state.try_lock(site, self.owner, now, self.lock_ttl):
            report.locked_elsewhere.append(site)
            return
        # Another scheduler may have run the site between our read and our lock: read again under the lock.
        fresh = self.state.get(site)
        if fresh is None or fresh.next_run > now:
            self.state.release(site, self.owner)
            return
        crawl_id = scheduled_crawl_id(site, now)
        try:
            handle = self.launcher(site, crawl_id)
        except OSError as exc:
            self.state.started(site, crawl_id, now, next_after(cron, now))
            self.state.finished(site, crawl_id, f"failed to start: {exc}", None, now)
            self.state.release(site, self.owner)
            logger.error("could not start the crawl of %s: %s", site, exc)
            return
        # One run however many due times were missed: the next one is counted from now.
        self.state.started(site, crawl_id, now, next_after(cron, now))
        self.running[site] = RunningCrawl(site, crawl_id, handle, now)
        report.started.append(site)
        logger.info("started crawl %s of %s", crawl_id, site)

    # -- the loop ----------------------------------------------------------------------------------------------------
    def run(self, interval: float = DEFAULT_INTERVAL, *, once: bool = False, grace: float = DEFAULT_GRACE) -> None:
        """Tick every `interval` seconds until `stop()`; with `once`, start what is due now, wait for those crawls,
        and return. Either way running crawls are stopped gracefully (within `grace` seconds) and locks released."""
        self._once = once
        poll = min(interval, 1.0) if once else interval
        try:
            while not self._stop.is_set():
                report = self.tick()
                if once and not self.running and not report.waiting:
                    break
                self._stop.wait(poll)
        finally:
            self.shutdown(grace)

    def stop(self) -> None:
        """Ask `run()` to return: no new crawls; running ones are stopped (safe to call from a signal handler)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def shutdown(self, grace: float = DEFAULT_GRACE) -> None:
        """Stop running crawls: SIGTERM first (Scrapy finishes in-flight requests and writes the manifest), SIGKILL
        after `grace` seconds (the next crawl on the store recovers a killed crawl's spool). Then record how each
        ended and release the locks. Stopping the crawls never waits on the database."""
        self._stop.set()
        for crawl in self.running.values():
            if crawl.stopping is None:
                crawl.stopping = "scheduler shut down"
                crawl.handle.terminate()
        deadline = time.monotonic() + grace
        last_beat = time.monotonic()
        while any(crawl.handle.poll() is None for crawl in self.running.values()) and time.monotonic() < deadline:
            time.sleep(0.2)
            if time.monotonic() - last_beat > HEARTBEAT_WHILE_STOPPING:
                last_beat = time.monotonic()  # a long --grace must not let the locks expire under running crawls
                self._heartbeat_all()
        killed = set()
        for crawl in self.running.values():
            if crawl.handle.poll() is None:
                logger.warning("crawl %s of %s did not stop within %gs; killing it", crawl.crawl_id, crawl.site, grace)
                crawl.handle.kill()
                _wait(crawl.handle, 10.0)
                killed.add(crawl.site)
        report = TickReport()
        for crawl in list(self.running.values()):
            code = crawl.handle.poll()
            outcome = f"{'killed' if crawl.site in killed else 'stopped'}: {crawl.stopping} (exit {code})"
            try:
                self._finish(crawl, outcome, code, self.now(), report)
            except Exception:  # noqa: BLE001 - the crawls are stopped; a database error must not hide the others
                logger.exception("could not record the end of crawl %s of %s", crawl.crawl_id, crawl.site)

    def _heartbeat_all(self) -> None:
        try:
            for site in self.running:
                self.state.heartbeat(site, self.owner, self.now(), self.lock_ttl)
        except Exception:  # noqa: BLE001 - stopping anyway; the locks expire on their own
            logger.exception("could not extend the schedule locks")


def _wait(handle: CrawlHandle, seconds: float) -> int | None:
    deadline = time.monotonic() + seconds
    while (code := handle.poll()) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return code
