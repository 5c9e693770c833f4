"""Turn `archiver crawl --frontier URL` into one worker of a shared crawl job.

The job id is the crawl id given (`--crawl-id`) or a new one; the first process to name it announces the job in
Redis, later ones (and `--join`) take what they do not say themselves (sites, start URLs, store, settings) from
the announced JobSpec. Each worker writes its own WARCs and manifest under the worker crawl id
`{job}-w{token}`, so store keys never collide; its manifest names the `job` and the `worker` token.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import socket
from dataclasses import dataclass
from datetime import date
from typing import Any

from archiver.crawl.archive.naming import WORKER_MARK
from archiver.crawl.options import CrawlOptions, check_crawl_id, new_crawl_id
from archiver.distributed.frontier import Frontier, JobKeys, JobSpec, connect, redact
from archiver.errors import NotFoundError
from archiver.warc.records import utcnow

# Defaults of the frontier settings; each can be changed with --set NAME=VALUE like any crawl setting.
FRONTIER_DEFAULTS: dict[str, Any] = {
    "ARCHIVER_FRONTIER_LEASE_TTL": 60.0,  # a dead worker's requests go back to the queue after this
    "ARCHIVER_FRONTIER_IDLE_GRACE": 3.0,  # queue empty and nothing leased for this long: the job is done
    "ARCHIVER_FRONTIER_POLL": 0.2,  # how often an idle worker looks at the queue
    "ARCHIVER_FRONTIER_SLOT_POLL": 0.05,  # how often a request waits for a busy origin's crawl-wide slot
    "ARCHIVER_FRONTIER_KEEP": 86400,  # seconds a finished job's keys (dupefilter) stay for late joiners
}
COMPONENTS = "archiver.distributed.scheduler"


def _component_dict(value: Any) -> dict[str, Any]:
    """A component priority setting as a dict (a --set override arrives as JSON text)."""
    if isinstance(value, str):
        return dict(json.loads(value)) if value.strip() else {}
    return dict(value or {})


@dataclass
class SharedCrawl:
    """One worker's part in a crawl job."""

    frontier_url: str
    spec: JobSpec
    token: str
    options: CrawlOptions  # what this worker crawls: its own options completed from the job

    @property
    def job(self) -> str:
        return self.spec.crawl_id

    @property
    def crawl_id(self) -> str:
        return f"{self.job}{WORKER_MARK}{self.token}"

    def manifest_fields(self) -> dict[str, Any]:
        return {"job": self.job, "worker": self.token}

    def scrapy_settings(self, base: dict[str, Any]) -> dict[str, Any]:
        """Settings to lay over the crawl's: the Redis scheduler and dupefilter, leases, crawl-wide politeness."""
        values = {name: base.get(name, default) for name, default in FRONTIER_DEFAULTS.items()}
        keys = JobKeys(self.job)
        # The crawl-wide slot in Redis spaces requests to an origin by DOWNLOAD_DELAY; a per-process delay after
        # it would only skew that spacing, and AutoThrottle is per process (N workers would go N times as fast).
        values["ARCHIVER_FRONTIER_DELAY"] = float(base.get("ARCHIVER_FRONTIER_DELAY", base.get("DOWNLOAD_DELAY", 0)))
        values["DOWNLOAD_DELAY"] = 0
        values["RANDOMIZE_DOWNLOAD_DELAY"] = False
        if "AUTOTHROTTLE_ENABLED" not in self.options.overrides:
            values["AUTOTHROTTLE_ENABLED"] = False
        middlewares = _component_dict(base.get("DOWNLOADER_MIDDLEWARES"))
        spider_middlewares = _component_dict(base.get("SPIDER_MIDDLEWARES"))
        values.update(
            {
                "SCHEDULER": f"{COMPONENTS}.LeasingScheduler",
                "SCHEDULER_QUEUE_CLASS": f"{COMPONENTS}.LeasedQueue",
                "DUPEFILTER_CLASS": f"{COMPONENTS}.FrontierDupeFilter",
                "SCHEDULER_SERIALIZER": "archiver.distributed.codec",
                "SCHEDULER_PERSIST": True,
                "SCHEDULER_QUEUE_KEY": keys.key("queue"),
                "SCHEDULER_DUPEFILTER_KEY": keys.key("dupefilter"),
                "REDIS_URL": self.frontier_url,
                "ARCHIVER_FRONTIER_URL": self.frontier_url,
                "ARCHIVER_FRONTIER_JOB": self.job,
                "ARCHIVER_FRONTIER_WORKER": self.token,
                "ARCHIVER_FRONTIER_MAX_PAGES": self.options.max_pages or 0,
                "DOWNLOADER_MIDDLEWARES": {
                    **middlewares,
                    # Closest to the downloader: the slot is taken after every other wait (robots, Crawl-delay).
                    "archiver.distributed.politeness.SharedPolitenessMiddleware": 960,
                    # Farthest: sees only failures no other middleware turned into a retry.
                    f"{COMPONENTS}.LeaseReleaseDownloaderMiddleware": 1,
                },
                "SPIDER_MIDDLEWARES": {
                    **spider_middlewares,
                    f"{COMPONENTS}.LeaseReleaseSpiderMiddleware": 1,
                },
            }
        )
        return values


def open_shared_crawl(options: CrawlOptions) -> SharedCrawl:
    """Connect to the frontier, announce or find the job, and complete `options` from it."""
    assert options.frontier is not None
    client = connect(options.frontier)
    job_id = check_crawl_id(options.crawl_id or new_crawl_id(utcnow()))
    frontier = Frontier(client, job_id)
    found = frontier.job()
    if found is None:
        if options.join:
            raise NotFoundError(f"no crawl job {job_id} in frontier {redact(options.frontier)}")
        spec = JobSpec(
            crawl_id=job_id,
            sites=list(options.sites),
            start_urls=list(options.start_urls),
            store=options.store,
            catalog=options.catalog,
            overrides=dict(options.overrides),
            max_pages=options.max_pages,
            recrawl=options.recrawl,
            since=options.since.isoformat() if options.since else None,
            announced_by=socket.gethostname(),
        )
        if not frontier.announce(spec):  # another process announced it a moment ago
            found = frontier.job()
    if found is not None:
        spec, status = found
        if status == "done":
            raise NotFoundError(f"crawl job {job_id} has finished already; give a new --crawl-id")
    # This worker's own options win; what it does not say comes from the job.
    merged = dataclasses.replace(
        options,
        sites=list(options.sites) or list(spec.sites),
        start_urls=list(options.start_urls) or list(spec.start_urls),
        store=options.store or spec.store,
        catalog=options.catalog or spec.catalog,
        max_pages=options.max_pages if options.max_pages is not None else spec.max_pages,
        overrides={**spec.overrides, **options.overrides},
        recrawl=options.recrawl or spec.recrawl,
        since=options.since or (date.fromisoformat(spec.since) if spec.since else None),
    )
    shared = SharedCrawl(options.frontier, spec, secrets.token_hex(3), merged)
    shared.options = dataclasses.replace(merged, crawl_id=shared.crawl_id)
    return shared
