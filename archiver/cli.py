"""`archiver` command line: each command parses its options and calls one library function (SPEC 'Command line')."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver import __version__
from archiver.errors import ArchiverError, ConfigError

if TYPE_CHECKING:
    from archiver.catalog.catalog import Catalog

Handler = Callable[[argparse.Namespace], int]
CATALOG_HELP = "catalog database: a SQLite path or postgresql://... (default $ARCHIVER_CATALOG, else beside the store)"


@contextmanager
def _closing(catalog: Catalog) -> Iterator[Catalog]:
    try:
        yield catalog
    finally:
        catalog.close()


def write_atomically(path: Path, data: bytes) -> None:
    """Write under a temporary name, then rename: no half-written file under the final name."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc


def _parse_set(values: list[str]) -> dict[str, str]:
    overrides = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--set {item!r}: use --set NAME=VALUE")
        overrides[name.strip()] = value
    return overrides


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from None


def cmd_crawl(args: argparse.Namespace) -> int:
    from archiver.crawl.runner import CrawlOptions, run_crawl

    if args.join and not args.frontier:  # distributed crawling
        raise ConfigError("--join needs --frontier redis://HOST:PORT/DB")
    options = CrawlOptions(
        start_urls=args.start_url,
        sites=args.sites,
        store=args.store,
        max_pages=args.max_pages,
        crawl_id=args.crawl_id,
        overrides=_parse_set(args.set) | ({"ARCHIVER_LOG_FORMAT": args.log_format} if args.log_format else {}),
        recrawl=args.recrawl,
        since=args.since,
        catalog=args.catalog,
        frontier=args.frontier,
        join=args.join,
    )
    result = run_crawl(options)
    if result.recovery.anything:
        print(
            f"recovered from an earlier crash: {len(result.recovery.uploaded)} WARC file(s) uploaded, "
            f"{len(result.recovery.manifests)} manifest(s) written",
            file=sys.stderr,
        )
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
    print(f"  manifest: {result.manifest_key}")
    if args.frontier:
        from archiver.crawl.naming import job_id_of

        print(f"  job: {job_id_of(result.crawl_id)} (this worker wrote its own WARCs and manifest)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from archiver.datasets.export import export
    from archiver.datasets.selection import ExportFilter
    from archiver.store import open_store

    selection = ExportFilter(
        site=args.site, date_from=args.date_from, date_to=args.date_to, language=args.language, versions=args.versions
    )
    result = export(open_store(args.store), args.format, Path(args.out), selection, bom=args.bom)
    print(f"{result.rows} articles written to {result.path}")
    print(f"  manifest: {result.manifest}\n  dataset card: {result.card}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from archiver import extract

    path = Path(args.file)
    try:
        body = sys.stdin.buffer.read() if args.file == "-" else path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {args.file}: {exc.strerror}") from exc
    headers = {"Content-Type": args.content_type} if args.content_type else None
    print(json.dumps(extract(body, args.url, headers), ensure_ascii=False, indent=2))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from archiver.store import open_store
    from archiver.verify import verify_store

    report = verify_store(open_store(args.store))
    for problem in report.problems:
        print(problem)
    summary = f"{report.objects} objects, {report.warc_files} WARC files, {report.articles} articles checked"
    print(f"{summary}: {'intact' if report.intact else f'{len(report.problems)} problem(s)'}", file=sys.stderr)
    return 0 if report.intact else 1


def cmd_sites(args: argparse.Namespace) -> int:
    from archiver.sites import get_profile, profiles

    if args.action == "show":
        if not args.site:
            raise ConfigError("`archiver sites show` needs a SITE id")
        print(json.dumps(get_profile(args.site).as_dict(), ensure_ascii=False, indent=2))
        return 0
    for profile in profiles().values():
        print(f"{profile.id:<16} {profile.language:<3} {profile.domains[0]:<28} {profile.name}")
    return 0


def _catalog(args: argparse.Namespace) -> Catalog:
    from archiver.catalog.catalog import Catalog
    from archiver.store import open_store

    return Catalog.open(open_store(args.store), args.catalog)


def cmd_history(args: argparse.Namespace) -> int:
    from archiver.retrieve import history
    from archiver.textdiff import render_diff, word_diff

    with _closing(_catalog(args)) as catalog:
        entries = history(catalog, args.url)
        if args.format == "json":
            print(json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=1))
            return 0
        previous = None
        for entry in entries:
            row = entry.capture
            mark = "new version" if entry.new_version else ("same version" if entry.article_key else "no article")
            print(f"{row.captured_at}  {row.status or '-':>3}  {row.record_type:<8} {mark:<12} {entry.title or ''}")
            if args.diff and entry.new_version and previous is not None and entry.article_key:
                old, new = (json.loads(catalog.store.open(k).read()) for k in (previous, entry.article_key))
                for name in ("title", "body"):
                    changes = word_diff(old.get(name) or "", new.get(name) or "")
                    if changes:
                        print(render_diff(name, changes, color=sys.stdout.isatty()))
            if entry.new_version:
                previous = entry.article_key
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from archiver.retrieve import parse_at, snapshot_article, snapshot_html, snapshot_warc

    at = parse_at(args.at) if args.at else None
    with _closing(_catalog(args)) as catalog:
        if args.format == "json":
            data, note = snapshot_article(catalog, args.url, at)
        elif args.format == "html":
            text, note = snapshot_html(catalog, args.url, at)
            data = text.encode("utf-8")
        elif args.format == "warc":
            name = Path(args.out).name if args.out else None
            data, note = snapshot_warc(catalog, args.url, at, name), None
        else:
            raise ConfigError(f"--format {args.format!r}: use json, html or warc")
    if note:
        print(f"archiver: {note}", file=sys.stderr)
    if args.out:
        write_atomically(Path(args.out), data)
    else:
        sys.stdout.buffer.write(data if data.endswith(b"\n") or args.format == "warc" else data + b"\n")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    with _closing(_catalog(args)) as catalog:
        report = catalog.reindex()
    print(
        f"catalog rebuilt from {catalog.store.uri}: {report.captures} captures from {report.index_files} WARC files "
        f"({report.warcs_indexed_on_the_fly} indexed from the WARC itself) in {report.seconds:.1f} s"
    )
    return 0


def add_retrieval_commands(sub: Any) -> None:
    hist = sub.add_parser("history", help="every capture of a URL and its article versions")
    hist.add_argument("url")
    hist.add_argument("--store")
    hist.add_argument("--catalog", help=CATALOG_HELP)
    hist.add_argument("--format", choices=("text", "json"), default="text")
    hist.add_argument("--diff", action="store_true", help="text: word-level diff of title and body between versions")
    hist.set_defaults(handler=cmd_history)

    snap = sub.add_parser("snapshot", help="what a URL said at a time: article JSON, page HTML or a WARC")
    snap.add_argument("url")
    snap.add_argument("--store")
    snap.add_argument("--catalog", help=CATALOG_HELP)
    snap.add_argument("--at", help="ISO 8601 time (naive: UTC; a bare date: end of that day UTC); default now")
    snap.add_argument("--format", default="json", help="json (article version), html (page as served) or warc")
    snap.add_argument("--out", help="write to this file (atomically) instead of standard output")
    snap.set_defaults(handler=cmd_snapshot)

    rei = sub.add_parser("reindex", help="rebuild the catalog from the store alone")
    rei.add_argument("--store")
    rei.add_argument("--catalog", help=CATALOG_HELP)
    rei.set_defaults(handler=cmd_reindex)


def cmd_schedule(args: argparse.Namespace) -> int:
    import signal

    from archiver.ops.launcher import SubprocessLauncher
    from archiver.ops.schedule import Scheduler, site_schedules, utc_now
    from archiver.ops.schedule_list import format_entries, schedule_entries
    from archiver.ops.schedule_state import ScheduleState, open_catalog
    from archiver.store import open_store

    store = open_store(args.store)
    schedules = site_schedules(args.site)
    with open_catalog(store, args.catalog) as db:
        state = ScheduleState(db)
        if args.action == "list":
            entries = schedule_entries(state, schedules, utc_now())
            as_json = json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2)
            print(as_json if args.format == "json" else format_entries(entries))
            return 0
        store.check_writable()
        settings = [f"--set={name}={value}" for name, value in _parse_set(args.set).items()]
        launcher = SubprocessLauncher(store.uri, args.catalog, args.frontier, settings)
        scheduler = Scheduler(state, launcher, schedules, max_parallel=args.max_parallel)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: scheduler.stop())
        scheduler.run(args.interval, once=args.once, grace=args.grace)
    failed = [run for run in scheduler.finished if run.exit_code != 0]
    return 1 if args.once and failed else 0


def cmd_crawls(args: argparse.Namespace) -> int:
    from archiver.ops import render
    from archiver.ops.crawls import crawl_history, find_crawl
    from archiver.store import open_store

    store = open_store(args.store)
    if args.action == "show":
        summary = find_crawl(store, args.crawl_id)
        as_json = json.dumps(summary.as_dict(), ensure_ascii=False, indent=2)
        print(as_json if args.format == "json" else render.crawl_detail(summary))
        return 0
    entries = crawl_history(store)
    as_json = json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2)
    print(as_json if args.format == "json" else render.crawl_list(entries))
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    from archiver.ops import render
    from archiver.ops.health import check_health
    from archiver.ops.webhook import WebhookError, check_webhook_url, post_json
    from archiver.store import open_store

    if args.webhook:
        check_webhook_url(args.webhook)
    report = check_health(open_store(args.store), args.window)
    as_json = json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
    print(as_json if args.format == "json" else render.health(report))
    if args.webhook:
        try:
            post_json(args.webhook, report.as_dict())
        except WebhookError as exc:
            print(f"archiver: {exc}", file=sys.stderr)
    return 0 if report.healthy else 1


# -- distributed crawling: `archiver worker` (archiver/crawl/worker.py) --
def cmd_worker(args: argparse.Namespace) -> int:
    import signal

    from archiver.crawl.worker import JobWorker, WorkerConfig

    config = WorkerConfig(args.frontier, args.store, args.catalog, max_jobs=args.max_jobs, poll=args.poll)
    worker = JobWorker(config)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    worker.run()
    return 0


def add_worker_command(sub: Any) -> None:
    worker = sub.add_parser("worker", help="join every crawl job announced in the frontier, until SIGTERM")
    worker.add_argument("--frontier", required=True, help="redis://HOST:PORT/DB")
    worker.add_argument("--store", help="store for this worker's WARCs (default: the one the job names)")
    worker.add_argument("--catalog", help=CATALOG_HELP)
    worker.add_argument("--max-jobs", type=int, default=1, metavar="N", help="jobs crawled at once (default 1)")
    worker.add_argument("--poll", type=float, default=1.0, help="seconds between looks for new jobs")
    worker.set_defaults(handler=cmd_worker)


# --


def add_ops_commands(sub: Any) -> None:
    schedule = sub.add_parser("schedule", help="run the sites' cron schedules (UTC), or list them")
    schedule_actions = schedule.add_subparsers(dest="action", required=True)
    run = schedule_actions.add_parser("run", help="start due crawls until SIGTERM (or once, with --once)")
    listing = schedule_actions.add_parser("list", help="each site: cron, last run, outcome, next run")
    for parser_ in (run, listing):
        parser_.add_argument("--store")
        parser_.add_argument("--catalog", help=CATALOG_HELP + "; holds the schedule state and locks")
        parser_.add_argument("--site", action="append", default=[], metavar="S", help="only these sites")
        parser_.set_defaults(handler=cmd_schedule)
    listing.add_argument("--format", choices=("text", "json"), default="text")
    run.add_argument("--frontier", help="redis://HOST:PORT/DB, passed to every crawl")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a setting for every crawl")
    run.add_argument("--max-parallel", type=int, default=2, metavar="N", help="crawls at once (default 2)")
    run.add_argument("--once", action="store_true", help="start what is due, wait for those crawls, exit")
    run.add_argument("--grace", type=float, default=75.0, help="seconds a crawl gets to stop on SIGTERM")
    run.add_argument("--interval", type=float, default=30.0, help="seconds between checks (default 30)")

    crawls = sub.add_parser("crawls", help="crawl history from the manifests in the store")
    crawls_actions = crawls.add_subparsers(dest="action", required=True)
    every = crawls_actions.add_parser("list", help="every crawl, oldest first (a distributed job: one entry)")
    one = crawls_actions.add_parser("show", help="one crawl, or one distributed job, in detail")
    one.add_argument("crawl_id", metavar="ID")
    for parser_ in (every, one):
        parser_.add_argument("--store")
        parser_.add_argument("--format", choices=("text", "json"), default="text")
        parser_.set_defaults(handler=cmd_crawls)

    health = sub.add_parser("health", help="each site's latest crawl against its own recent crawls (exit 1: a drop)")
    health.add_argument("--store")
    health.add_argument("--window", type=int, default=5, metavar="N", help="earlier crawls to compare with")
    health.add_argument("--webhook", metavar="URL", help="also POST the report as JSON to this URL")
    health.add_argument("--format", choices=("text", "json"), default="text")
    health.set_defaults(handler=cmd_health)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archiver", description="Libya News Archive: crawl, archive, export.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser("crawl", help="crawl sites into the archive")
    crawl.add_argument("sites", nargs="*", metavar="SITE", help="registered site ids (`archiver sites list`)")
    crawl.add_argument("--start-url", action="append", default=[], metavar="URL", help="crawl any site from this URL")
    crawl.add_argument(
        "--store", help="path, file:///abs/path or s3://bucket/prefix (default $ARCHIVER_STORE or ./archive)"
    )
    crawl.add_argument("--max-pages", type=int, help="fetch at most N pages")
    crawl.add_argument("--since", type=_date, help="only articles newer than DATE (sitemap lastmod, feed dates)")
    crawl.add_argument("--recrawl", action="store_true", help="fetch archived articles again to detect edits")
    crawl.add_argument("--crawl-id", help="id of this crawl (default: UTC time and a random suffix)")
    crawl.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting")
    crawl.add_argument("--catalog", help=CATALOG_HELP)
    crawl.add_argument("--log-format", choices=("text", "json"), help="json: one JSON object a log line")
    crawl.add_argument("--frontier", metavar="URL", help="redis://HOST:PORT/DB: share this crawl with other workers")
    crawl.add_argument("--join", action="store_true", help="with --frontier: join the announced job --crawl-id")
    crawl.set_defaults(handler=cmd_crawl)

    sites = sub.add_parser("sites", help="registered site profiles")
    sites.add_argument("action", nargs="?", choices=("list", "show"), default="list")
    sites.add_argument("site", nargs="?")
    sites.set_defaults(handler=cmd_sites)

    exp = sub.add_parser("export", help="write a dataset of archived articles")
    exp.add_argument("--format", required=True, help="jsonl, csv or parquet")
    exp.add_argument("--out", required=True, help="output file")
    exp.add_argument("--store")
    exp.add_argument("--site")
    exp.add_argument("--from", dest="date_from", type=_date, help="published on or after DATE")
    exp.add_argument("--to", dest="date_to", type=_date, help="published on or before DATE")
    exp.add_argument("--language", help="ar, en, ...")
    exp.add_argument("--versions", default="latest", help="latest (default) or all versions of each article")
    exp.add_argument("--bom", action="store_true", help="CSV/JSONL: start with a UTF-8 BOM (for spreadsheets)")
    exp.set_defaults(handler=cmd_export)

    ver = sub.add_parser("verify", help="re-hash every object and check every WARC record and article link")
    ver.add_argument("--store")
    ver.set_defaults(handler=cmd_verify)

    add_retrieval_commands(sub)
    add_ops_commands(sub)
    add_worker_command(sub)

    ext = sub.add_parser("extract", help="extract article fields from a saved page")
    ext.add_argument("--url", required=True, help="the URL the page was fetched from")
    ext.add_argument("--content-type", help="the Content-Type header the server sent, if known")
    ext.add_argument("file", help="saved page (- for standard input)")
    ext.set_defaults(handler=cmd_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if getattr(args, "log_format", None) == "json":
        from archiver.ops.jsonlog import use_json_logging

        use_json_logging()
    try:
        return int(args.handler(args))
    except ArchiverError as exc:
        print(f"archiver: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("archiver: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
