"""Run one archiving crawl in this process: check the store, recover the spool, crawl, close, write the manifest."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from archiver.catalog.catalog import Catalog
from archiver.crawl.archive.crawl_archive import CrawlArchive
from archiver.crawl.archive.extension import hand_over
from archiver.crawl.archive.recovery import Recovery, recover_spool
from archiver.crawl.archive.spool import Spool
from archiver.crawl.discovery.backfill_journal import BackfillJournal
from archiver.crawl.discovery.limits import crawl_limits
from archiver.crawl.options import CrawlOptions, check_crawl_id, new_crawl_id
from archiver.crawl.outcome import nothing_captured
from archiver.crawl.politeness.netsafety import check_start_url, truthy
from archiver.crawl.run.settings import crawl_settings
from archiver.crawl.run.settings_check import check_overrides
from archiver.custody.record import record_crawl
from archiver.datasets.catalogued import update_versions
from archiver.errors import ConfigError
from archiver.identifiers import site_id_problem
from archiver.search.open import update_search
from archiver.sites import site_id_for_url
from archiver.store import Store, open_store
from archiver.store.layout import manifest_key, site_articles_prefix
from archiver.warc.records import utcnow

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


@dataclass
class CrawlResult:
    crawl_id: str
    store_uri: str
    manifest_key: str
    counts: dict[str, int]
    coverage: dict[str, dict[str, Any]]
    recovery: Recovery
    finish_reason: str
    failure: str | None = None  # why the crawl captured nothing from any start URL (the CLI exits 1)
    limits: dict[str, Any] = field(default_factory=dict)  # what the hostile-server bounds stopped (links, headers)
    backfill: dict[str, Any] | None = None  # a backfill's state: finished, pages done, pending, oldest date reached


def stored_article_keys(store: Store, sites: list[str]) -> set[str]:
    """Keys of the article JSON the store really holds for these sites (one listing per site). An article counts
    as archived only when its JSON is here, whatever a metadata record or the catalog says."""
    keys = set()
    for site in sites:
        for info in store.list(site_articles_prefix(site)):
            if info.key.count("/") == 3 and info.key.endswith(".json"):
                keys.add(info.key)
    return keys


def refuse_taken_crawl_id(store: Store, spool: Spool, crawl_id: str) -> None:
    """A crawl id names WARC files and `crawls/{id}/`: a second crawl under one id would collide with the first."""
    if store.exists(manifest_key(crawl_id)) or spool.journal_path(crawl_id).exists():
        raise ConfigError(
            f"crawl id {crawl_id!r} is already in the store {store.uri}: give another --crawl-id, or none for a new one"
        )


def _stopper(crawler: Crawler) -> Callable[[BaseException], None]:
    """Stop the crawl (from any thread) once nothing more can be stored: pages fetched after it would be lost."""

    def stop(error: BaseException) -> None:
        from twisted.internet import reactor

        def close() -> None:
            from scrapy.utils.defer import deferred_from_coro

            if crawler.engine is not None and crawler.spider is not None:
                deferred_from_coro(crawler.engine.close_spider_async(reason="store_failed"))

        reactor.callFromThread(close)

    return stop


def site_of_start_url(url: str) -> str:
    """The site id of a `--start-url` crawl: a registered site's id when the URL is on its domains, else the URL's
    host; either becomes part of store keys, so it is checked like a profile's id."""
    site = site_id_for_url(url)
    if problem := site_id_problem(site):
        raise ConfigError(f"start URL {url!r}: its host {site!r} cannot name a site in the store ({problem})")
    return site


def validate_start_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed IPv6 bracket: http://[::1/
        raise ConfigError(f"malformed start URL {url!r}: {exc}; give an absolute http:// or https:// URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"malformed start URL {url!r}: give an absolute http:// or https:// URL")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(f"malformed start URL {url!r}: bad port") from exc
    return url


def run_crawl(options: CrawlOptions) -> CrawlResult:
    from archiver.crawl.discovery.spider import CrawlTarget

    # -- distributed crawl: announce or join the job; this worker's crawl id is `{job}-w{token}` --
    shared = None
    if options.frontier:  # imported only then: Redis and scrapy-redis cost a one-machine crawl 0.1 s of start-up
        from archiver.distributed.join import open_shared_crawl

        shared = open_shared_crawl(options)
        options = shared.options
    # --

    targets = [CrawlTarget(site_of_start_url(u), [u]) for u in map(validate_start_url, options.start_urls)]
    if options.sites:
        from spiders.profiles import targets_for_sites

        targets += targets_for_sites(options.sites)
    if not targets:
        raise ConfigError("nothing to crawl: name a registered SITE or give --start-url URL")
    check_overrides(options.overrides)
    allow_private = truthy(crawl_settings(options.overrides)["ARCHIVER_ALLOW_PRIVATE_ADDRESSES"])
    for target in targets:
        for url in target.start_urls:
            check_start_url(url, allow_private)
    if options.max_pages is not None and options.max_pages < 1:
        raise ConfigError("--max-pages must be at least 1")
    if options.until is not None and not options.backfill:
        raise ConfigError("--until bounds a backfill: give --backfill --until DATE")
    if options.crawl_id is not None:
        check_crawl_id(options.crawl_id)

    store = open_store(options.store)
    store.check_writable()
    spool = Spool.for_store(store, options.spool)
    if options.crawl_id is not None:
        refuse_taken_crawl_id(store, spool, options.crawl_id)  # before anything is written, recovery included
    recovery = recover_spool(store, spool)
    for recovered in recovery.manifests:  # a crawl that died enters the custody log when its manifest is written
        record_crawl(store, recovered)

    started = utcnow()
    crawl_id = options.crawl_id or new_crawl_id(started)
    settings = crawl_settings(options.overrides)
    if shared:  # Redis scheduler and dupefilter, leases, crawl-wide politeness
        settings.update(shared.scrapy_settings(settings))
    recorded = {
        "start_urls": options.start_urls,
        "sites": options.sites,
        "max_pages": options.max_pages,
        "overrides": options.overrides,
        "user_agent": settings["USER_AGENT"],
        "warc_max_size": int(settings["ARCHIVER_WARC_MAX_SIZE"]),
    }
    sites = [t.site for t in targets]
    catalog = Catalog.open(store, options.catalog)
    catalog.sync()
    stored = stored_article_keys(store, sites)
    prior = catalog.prior_captures(sites, stored)
    recorded["recrawl"] = options.recrawl
    recorded["since"] = options.since.isoformat() if options.since else None
    recorded["backfill"] = options.backfill
    recorded["until"] = options.until.isoformat() if options.until else None
    # A backfill's frontier: in the spool's journal on one machine; in Redis for a distributed crawl.
    journal = (
        BackfillJournal(spool.backfill_path(sites), options.until).open() if options.backfill and not shared else None
    )
    archive = CrawlArchive(
        store, spool, crawl_id, started, recorded, int(settings["ARCHIVER_WARC_MAX_SIZE"]), prior=prior
    )

    from scrapy.crawler import CrawlerProcess

    from archiver.crawl.discovery.spider import NewsSpider, crawl_scope
    from archiver.crawl.run import quiet

    # The CLI owns the log handlers. Scrapy's logging set-up (dictConfig) puts the `scrapy` logger at DEBUG, so
    # LOG_LEVEL is applied after it; given with --set, it is the floor for every logger (DEBUG lines filling a
    # worker's stderr pipe once stalled it).
    level = str(settings["LOG_LEVEL"]).upper()
    if "LOG_LEVEL" in options.overrides:
        # Set on the handlers too, and before Scrapy starts: its start-up lines come from loggers it sets to DEBUG.
        logging.getLogger().setLevel(level)
        for handler in logging.getLogger().handlers:
            handler.setLevel(level)
    quiet.install()
    process = CrawlerProcess({**settings, "LOG_INSTALL_ROOT_HANDLER": False})
    logging.getLogger("scrapy").setLevel(level)
    crawler = process.create_crawler(NewsSpider)
    hand_over(crawler, archive, crawl_scope(targets))
    archive.on_broken = _stopper(crawler)
    known = frozenset() if options.recrawl else frozenset(key.split("/")[2] for key in stored)
    process.crawl(
        crawler,
        targets=targets,
        max_pages=options.max_pages,
        known_article_ids=known,
        since=options.since,
        recrawl=options.recrawl,
        prior=prior,
        backfill=options.backfill,
        until=options.until,
        journal=journal,
    )
    try:
        process.start()
    finally:
        if journal is not None:
            journal.close(finished=False)

    stats = crawler.stats.get_stats() if crawler.stats else {}
    spider = cast("NewsSpider | None", crawler.spider)
    errors = {k.rsplit("/", 1)[-1]: v for k, v in stats.items() if k.startswith("downloader/exception_type_count/")}
    extra = {
        "errors": errors,
        "finish_reason": stats.get("finish_reason"),
        "robots_disallowed": stats.get("robotstxt/forbidden", 0),
        "pages_rejected_as_traps": dict(spider.traps.rejected) if spider else {},
        "limits": crawl_limits(stats, spider),
    }
    if shared:
        extra.update(shared.manifest_fields())  # `job` (the shared crawl id) and `worker` (this worker's token)
    backfill = backfill_state(options, stats, journal, started) if options.backfill else None
    if backfill is not None:
        extra["backfill"] = {site: backfill for site in sites}
    manifest = archive.close(utcnow(), extra)
    record_crawl(store, manifest)
    catalog.sync()  # the new crawl's captures are looked up at once by history and snapshot
    update_search(catalog)  # and its articles are found by search
    update_versions(catalog, sites)  # and described for exports (selection fields, near-duplicate signatures)
    catalog.close()
    return CrawlResult(
        crawl_id,
        store.uri,
        manifest,
        dict(archive.counts),
        archive.coverage(),
        recovery,
        str(stats.get("finish_reason")),
        None if shared else nothing_captured(stats),  # a worker of a shared crawl may rightly get nothing
        extra["limits"],
        backfill,
    )


def backfill_state(
    options: CrawlOptions, stats: dict[str, Any], journal: BackfillJournal | None, started: datetime
) -> dict[str, Any]:
    """What the manifest records of a backfill: finished when the crawl ended on its own with nothing pending
    (a stopped or page-bounded run is not), with the journal's totals over every run of it."""
    ended_alone = stats.get("finish_reason") == "finished"
    if journal is not None:
        finished = ended_alone and journal.pending_count == 0
        state = journal.state(finished)
        journal.close(finished)
        return state
    return {  # a distributed backfill: its frontier is in Redis, this worker reports its own part
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "until": options.until.isoformat() if options.until else None,
        "finished": ended_alone,
        "resumed": False,
        "pages_done": int(stats.get("response_received_count", 0)),
        "articles_found": int(stats.get("item_scraped_count", 0)),
        "pending": None,
        "oldest_date": stats.get("archiver/backfill_oldest"),
        "last_progress_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
