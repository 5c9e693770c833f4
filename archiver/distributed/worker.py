"""`archiver worker`: a long-running process that joins every crawl job announced in the frontier.

A crawl started with `archiver crawl ... --frontier URL` announces its job (archiver/distributed/frontier.py, list
`archiver:jobs`); this loop sees it within `poll` seconds and joins it by running
`archiver crawl --frontier URL --crawl-id JOB --join [--store S] [--catalog C]` as a subprocess (Twisted's
reactor runs once per process; a crashing crawl cannot take the worker down). The subprocess exits when the job's
frontier is drained. `stop()` (SIGTERM) ends the loop: running crawls get SIGTERM (Scrapy finishes in-flight
requests, gives unfinished leases back, writes its manifest), then SIGKILL after `grace` seconds.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import redis

from archiver.crawl.run.supervisor import CrawlHandle, crawl_command, exited, start_crawl, stop_crawls
from archiver.distributed.frontier import announced_jobs, connect, redact

logger = logging.getLogger(__name__)


@dataclass
class WorkerConfig:
    frontier: str
    store: str | None = None  # default: the store the job was announced with
    catalog: str | None = None
    max_jobs: int = 1  # jobs crawled at once by this worker
    poll: float = 1.0  # seconds between looks at the job list
    grace: float = 75.0  # seconds a crawl gets to stop after SIGTERM
    extra_args: Sequence[str] = field(default_factory=tuple)  # e.g. ("--set", "LOG_LEVEL=WARNING")
    python: str = sys.executable


@dataclass
class FinishedJob:
    job: str
    exit_code: int


class JobWorker:
    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self.client = connect(config.frontier)  # ConfigError (exit 2) when unreachable
        self.running: dict[str, CrawlHandle] = {}
        self.joined: set[str] = set()
        self.finished: list[FinishedJob] = []
        self._stop = threading.Event()

    def crawl_args(self, job: str) -> list[str]:
        args = ["--frontier", self.config.frontier, "--crawl-id", job, "--join"]
        if self.config.store:
            args += ["--store", self.config.store]
        if self.config.catalog:
            args += ["--catalog", self.config.catalog]
        return [*args, *self.config.extra_args]

    def command(self, job: str) -> list[str]:
        return crawl_command(self.crawl_args(job), self.config.python)

    def stop(self) -> None:
        """Safe from a signal handler: the loop notices within `poll` seconds."""
        self._stop.set()

    def run(self) -> list[FinishedJob]:
        logger.info("worker waiting for crawl jobs in %s", redact(self.config.frontier))
        while not self._stop.is_set():
            self._reap()
            if len(self.running) < self.config.max_jobs:
                self._join_new_jobs()
            self._stop.wait(self.config.poll)
        self._stop_all()
        return self.finished

    def _join_new_jobs(self) -> None:
        try:
            jobs = announced_jobs(self.client)
        except redis.RedisError as exc:  # Redis restarting: keep waiting, the jobs are still there after
            logger.warning("frontier unreachable: %s", exc)
            return
        for spec, status in jobs:
            if status != "running" or spec.crawl_id in self.joined or len(self.running) >= self.config.max_jobs:
                continue
            self.joined.add(spec.crawl_id)
            logger.info("joining crawl job %s", spec.crawl_id)
            self.running[spec.crawl_id] = start_crawl(self.crawl_args(spec.crawl_id), self.config.python)

    def _reap(self) -> None:
        for job, code in exited(self.running):
            del self.running[job]
            self.finished.append(FinishedJob(job, code))
            log = logger.info if code in (0, 3) else logger.error  # 3: the job finished before we joined
            log("crawl job %s: this worker's part exited with %s", job, code)

    def _stop_all(self) -> None:
        stop_crawls(self.running, self.config.grace, describe=lambda job: f"crawl job {job}")
        self._reap()
