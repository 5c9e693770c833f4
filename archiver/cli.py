"""`archiver` command line: each command parses its options and calls one library function (SPEC 'Command line')."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from archiver import __version__
from archiver.commands.common import CATALOG_HELP, STORE_HELP, iso_date, parse_set
from archiver.commands.operations import add_ops_commands, add_worker_command
from archiver.commands.replay import add_replay_command
from archiver.commands.retrieval import add_retrieval_commands
from archiver.commands.search import add_search_command
from archiver.commands.web import add_web_commands
from archiver.errors import ArchiverError, ConfigError

Handler = Callable[[argparse.Namespace], int]


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
        overrides=parse_set(args.set) | ({"ARCHIVER_LOG_FORMAT": args.log_format} if args.log_format else {}),
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
    from archiver.crawl.limits import limit_lines

    for line in limit_lines(result.limits):
        print(f"  {line}")
    print(f"  manifest: {result.manifest_key}")
    if args.frontier:
        from archiver.crawl.naming import job_id_of

        print(f"  job: {job_id_of(result.crawl_id)} (this worker wrote its own WARCs and manifest)")
    if result.failure:
        raise ArchiverError(result.failure)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from archiver.datasets.card import CardInfo
    from archiver.datasets.export import export
    from archiver.datasets.selection import ExportFilter
    from archiver.store import open_existing_store

    selection = ExportFilter(
        sites=tuple(args.site),
        date_from=args.date_from,
        date_to=args.date_to,
        languages=tuple(args.language),
        versions=args.versions,
    )
    info = CardInfo.from_options(args.license, args.contact)
    result = export(open_existing_store(args.store), args.format, args.out, selection, bom=args.bom, info=info)
    print(f"{result.rows} articles written to {result.path}")
    print(f"  manifest: {result.manifest}\n  dataset card: {result.card}")
    return 0


def cmd_verify_export(args: argparse.Namespace) -> int:
    from archiver.datasets.verify_export import verify_export
    from archiver.store import open_existing_store

    report = verify_export(Path(args.path), open_existing_store(args.store) if args.store else None)
    for problem in report.problems:
        print(problem)
    checked = f"{report.files} files" + (f", {report.rows} rows against their WARC records" if args.store else "")
    print(f"{checked}: {'intact' if report.intact else f'{len(report.problems)} problem(s)'}", file=sys.stderr)
    return 0 if report.intact else 1


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
    from archiver.store import open_existing_store
    from archiver.verify import verify_store

    report = verify_store(open_existing_store(args.store), args.catalog)
    for problem in report.problems:
        print(problem)
    summary = f"{report.objects} objects, {report.warc_files} WARC files, {report.articles} articles checked"
    print(f"{summary}: {'intact' if report.intact else f'{len(report.problems)} problem(s)'}", file=sys.stderr)
    return 0 if report.intact else 1


def cmd_sites(args: argparse.Namespace) -> int:
    from archiver.sites import get_profile, profiles

    if args.action == "check":
        from archiver.ops.site_check import check_site_page, render_text

        if not args.site:
            raise ConfigError("`archiver sites check` needs a SITE id")
        check = check_site_page(args.site, args.url, args.file)
        print(
            json.dumps(check.as_dict(), ensure_ascii=False, indent=2) if args.format == "json" else render_text(check)
        )
        return 0
    if args.file or args.url:
        raise ConfigError("FILE and --url belong to `archiver sites check`")
    if args.action == "show":
        if not args.site:
            raise ConfigError("`archiver sites show` needs a SITE id")
        print(json.dumps(get_profile(args.site).as_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{'SITE':<16} {'LANG':<4} {'DOMAIN':<28} NAME")
    for profile in profiles().values():
        overridden = f"  (overridden by {profile.overridden_by})" if profile.overridden_by else ""
        print(f"{profile.id:<16} {profile.language:<4} {profile.domains[0]:<28} {profile.name}{overridden}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archiver", description="Libya News Archive: crawl, archive, export.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser("crawl", help="crawl sites into the archive")
    crawl.add_argument("sites", nargs="*", metavar="SITE", help="registered site ids (`archiver sites list`)")
    crawl.add_argument("--start-url", action="append", default=[], metavar="URL", help="crawl any site from this URL")
    crawl.add_argument("--store", help=STORE_HELP)
    crawl.add_argument("--max-pages", type=int, help="fetch at most N pages")
    crawl.add_argument("--since", type=iso_date, help="only articles newer than DATE (sitemap lastmod, feed dates)")
    crawl.add_argument("--recrawl", action="store_true", help="fetch archived articles again to detect edits")
    crawl.add_argument("--crawl-id", help="id of this crawl (default: UTC time and a random suffix)")
    crawl.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting")
    crawl.add_argument("--catalog", help=CATALOG_HELP)
    crawl.add_argument("--log-format", choices=("text", "json"), help="json: one JSON object a log line")
    crawl.add_argument("--frontier", metavar="URL", help="redis://HOST:PORT/DB: share this crawl with other workers")
    crawl.add_argument("--join", action="store_true", help="with --frontier: join the announced job --crawl-id")
    crawl.set_defaults(handler=cmd_crawl)

    sites = sub.add_parser("sites", help="registered site profiles")
    sites.add_argument("action", nargs="?", choices=("list", "show", "check"), default="list")
    sites.add_argument("site", nargs="?")
    sites.add_argument("file", nargs="?", help="check: a saved page of the site (- for standard input)")
    sites.add_argument("--url", help="check: the page's address (fetched when no FILE is given)")
    sites.add_argument("--format", choices=("text", "json"), default="text", help="check: output format")
    sites.set_defaults(handler=cmd_sites)

    exp = sub.add_parser("export", help="write a dataset of archived articles")
    exp.add_argument("--format", required=True, help="jsonl, csv or parquet")
    exp.add_argument(
        "--out", required=True, help="output file, or DIR/ (or an existing directory) for a dataset folder"
    )
    exp.add_argument("--store", help=STORE_HELP)
    exp.add_argument("--site", action="append", default=[], help="only this site (repeat for several)")
    exp.add_argument("--from", dest="date_from", type=iso_date, help="published on or after DATE")
    exp.add_argument("--to", dest="date_to", type=iso_date, help="published on or before DATE")
    exp.add_argument("--language", action="append", default=[], help="ar, en, ... (repeat for several)")
    exp.add_argument("--versions", default="latest", help="latest (default) or all versions of each article")
    exp.add_argument("--bom", action="store_true", help="CSV/JSONL: start with a UTF-8 BOM (for spreadsheets)")
    exp.add_argument("--license", help="licence of the dataset card: an SPDX id (default: other, with a note)")
    exp.add_argument("--contact", help="who to contact about the dataset, for its card (default $ARCHIVER_CONTACT)")
    exp.set_defaults(handler=cmd_export)

    vex = sub.add_parser("verify-export", help="re-check an export's manifest hashes, and its rows against the store")
    vex.add_argument("path", metavar="PATH", help="the exported data file, or the dataset folder")
    vex.add_argument("--store", help="also check every row against its WARC record in this store (" + STORE_HELP + ")")
    vex.set_defaults(handler=cmd_verify_export)

    ver = sub.add_parser("verify", help="re-hash every object and check every WARC record and article link")
    ver.add_argument("--store", help=STORE_HELP)
    ver.add_argument("--catalog", help=CATALOG_HELP + "; its article keys are checked too")
    ver.set_defaults(handler=cmd_verify)

    add_retrieval_commands(sub)
    add_ops_commands(sub)
    add_worker_command(sub)
    add_replay_command(sub)
    add_web_commands(sub)
    add_search_command(sub)

    ext = sub.add_parser("extract", help="extract article fields from a saved page")
    ext.add_argument("--url", required=True, help="the URL the page was fetched from")
    ext.add_argument("--content-type", help="the Content-Type header the server sent, if known")
    ext.add_argument("file", help="saved page (- for standard input)")
    ext.set_defaults(handler=cmd_extract)
    return parser


QUIET_LIBRARIES = ("botocore", "boto3", "s3transfer", "urllib3")


def _run_handler(args: argparse.Namespace) -> int:
    try:
        code = int(args.handler(args))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except Exception as exc:
        # A botocore error that no store method translated (a code path added later): the same one line.
        if type(exc).__module__.startswith("botocore"):
            from urllib.parse import urlsplit

            from archiver.store import default_store_uri
            from archiver.store.s3_errors import translate

            uri = getattr(args, "store", None) or default_store_uri()
            raise translate(exc, urlsplit(uri).netloc, uri, "answer") from exc
        raise


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command == "sites" and args.file is None and len(extra) == 1 and extra[0][:1] != "-":
        args.file = extra[0]  # `sites check SITE --url URL FILE`: argparse takes positionals only before an option
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        # boto3's INFO lines ("Found credentials in environment variables.") are chatter to an archivist.
        for noisy in QUIET_LIBRARIES:
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if getattr(args, "log_format", None) == "json":
        from archiver.ops.jsonlog import use_json_logging

        use_json_logging()
    try:
        return _run_handler(args)
    except BrokenPipeError:
        # The reader went away (`archiver sites list | head`): what it wanted it has; stop quietly. Standard output
        # now points at /dev/null so the interpreter's final flush cannot complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 0
    except ArchiverError as exc:
        if getattr(args, "log_format", None) == "json":  # machines get only JSON lines, the error one included
            logging.getLogger("archiver").error("archiver: %s", exc, extra={"fields": {"exit_code": exc.exit_code}})
        else:
            print(f"archiver: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("archiver: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
