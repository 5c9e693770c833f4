"""`crawl`: the archivist's crawl (library: archiver/crawl/runner.py run_crawl)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from archiver.commands.common import CATALOG_HELP, STORE_HELP, iso_date, parse_set
from archiver.errors import ArchiverError, ConfigError


def cmd_crawl(args: argparse.Namespace) -> int:
    from archiver.crawl.options import CrawlOptions
    from archiver.crawl.run.runner import run_crawl

    if args.join and not args.frontier:  # distributed crawling
        raise ConfigError("--join needs --frontier redis://HOST:PORT/DB")
    options = CrawlOptions(
        start_urls=args.start_url,
        sites=args.sites,
        store=args.store,
        max_pages=args.max_pages,
        crawl_id=args.crawl_id,
        overrides=parse_set(args.set) | ({"ARCHIVER_LOG_FORMAT": args.log_format} if args.log_format else {}),
        recrawl=args.recrawl,
        since=args.since,
        catalog=args.catalog,
        frontier=args.frontier,
        join=args.join,
        backfill=args.backfill,
        until=args.until,
    )
    result = run_crawl(options)
    if result.recovery.anything:
        print(
            f"recovered from an earlier crash: {len(result.recovery.uploaded)} WARC file(s) uploaded, "
            f"{result.recovery.articles} article(s) stored, {len(result.recovery.manifests)} manifest(s) written",
            file=sys.stderr,
        )
    for line in result.recovery.set_aside:
        print(f"archiver: spool entry set aside (it could not be stored): {line}", file=sys.stderr)
    counts = result.counts
    print(f"crawl {result.crawl_id} finished ({result.finish_reason}) into {result.store_uri}")
    print(
        f"  captures: {counts.get('captures', 0)}  articles: {counts.get('articles', 0)}  "
        f"WARC files: {counts.get('objects_warc', 0)}  bytes stored: {counts.get('bytes_stored', 0)}"
    )
    print(
        f"  article versions: {counts.get('articles_new', 0)} new, {counts.get('articles_changed', 0)} changed, "
        f"{counts.get('articles_unchanged', 0)} unchanged;  revisits: {counts.get('revisits', 0)}  "
        f"not modified: {counts.get('not_modified', 0)}  gone: {counts.get('gone', 0)}"
    )
    for site, cover in result.coverage.items():
        print(
            f"  {site}: {cover['articles']} articles; with title {cover['title']:.0%}, "
            f"date {cover['published_at']:.0%}, author {cover['authors']:.0%}, body {cover['body']:.0%}"
        )
    from archiver.crawl.discovery.limits import limit_lines

    for line in limit_lines(result.limits):
        print(f"  {line}")
    if result.backfill is not None:
        state = result.backfill
        pending = "" if state["pending"] is None else f", {state['pending']} requests pending"
        status = "finished" if state["finished"] else "not finished: run it again to resume"
        print(
            f"  backfill {status}: {state['pages_done']} pages done, {state['articles_found']} articles found"
            f"{pending}, oldest date reached {state['oldest_date'] or 'unknown'}"
        )
    print(f"  manifest: {result.manifest_key}")
    if args.frontier:
        from archiver.crawl.archive.naming import job_id_of

        print(f"  job: {job_id_of(result.crawl_id)} (this worker wrote its own WARCs and manifest)")
    if result.failure:
        raise ArchiverError(result.failure)
    return 0


def add_crawl_command(sub: Any) -> None:
    crawl = sub.add_parser("crawl", help="crawl sites into the archive")
    crawl.add_argument("sites", nargs="*", metavar="SITE", help="registered site ids (`archiver sites list`)")
    crawl.add_argument("--start-url", action="append", default=[], metavar="URL", help="crawl any site from this URL")
    crawl.add_argument("--store", help=STORE_HELP)
    crawl.add_argument("--max-pages", type=int, help="fetch at most N pages")
    crawl.add_argument("--since", type=iso_date, help="only articles newer than DATE (sitemap lastmod, feed dates)")
    crawl.add_argument("--recrawl", action="store_true", help="fetch archived articles again to detect edits")
    crawl.add_argument(
        "--backfill",
        action="store_true",
        help="walk every listing, date archive, sitemap and post API back to the oldest article; resumable",
    )
    crawl.add_argument("--until", type=iso_date, metavar="DATE", help="with --backfill: walk back no further than DATE")
    crawl.add_argument("--crawl-id", help="id of this crawl (default: UTC time and a random suffix)")
    crawl.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting")
    crawl.add_argument("--catalog", help=CATALOG_HELP)
    crawl.add_argument("--log-format", choices=("text", "json"), help="json: one JSON object a log line")
    crawl.add_argument("--frontier", metavar="URL", help="redis://HOST:PORT/DB: share this crawl with other workers")
    crawl.add_argument("--join", action="store_true", help="with --frontier: join the announced job --crawl-id")
    crawl.set_defaults(handler=cmd_crawl)
