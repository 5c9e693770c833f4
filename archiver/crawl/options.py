"""What one crawl is asked to do (`CrawlOptions`), its id, and the one check a given crawl id must pass.

Both the crawl runner and the distributed crawl (archiver/distributed/join.py) start from these, so they live below
both: neither has to import the other.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from archiver.errors import ConfigError
from archiver.identifiers import crawl_id_problem


@dataclass
class CrawlOptions:
    start_urls: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    store: str | None = None
    max_pages: int | None = None
    crawl_id: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    spool: str | None = None
    recrawl: bool = False  # fetch archived articles again (edits, removals); otherwise they are skipped
    since: date | None = None  # skip sitemap and feed entries dated before this day
    catalog: str | None = None  # catalog database URL (default: SQLite beside a local store, or in the cache)
    backfill: bool = False  # walk every listing, archive, sitemap and post API back; resumable (journal in spool)
    until: date | None = None  # with backfill: walk back no further than this day
    # -- distributed crawl (archiver/distributed/join.py) --
    frontier: str | None = None  # redis://HOST:PORT/DB: share the crawl with other workers
    join: bool = False  # join the announced job `crawl_id`; sites, start URLs and settings come from it


def new_crawl_id(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def check_crawl_id(crawl_id: str) -> str:
    """`crawl_id` if it can name a crawl (it becomes part of store keys), else a ConfigError naming the fix."""
    if problem := crawl_id_problem(crawl_id):
        raise ConfigError(f"--crawl-id {crawl_id!r}: {problem}")
    return crawl_id
