"""`import`: captures other archives made (library: archiver/importing/files.py import_files and
archiver/importing/wayback.py import_wayback).

    archiver import FILE.warc.gz|FILE.wacz ... [--store URI]
    archiver import wayback URL-PREFIX --cdx URL [--replay PREFIX] [--from D] [--to D]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from archiver.commands.common import CATALOG_HELP, STORE_HELP, iso_date
from archiver.errors import ConfigError

WAYBACK = "wayback"


def cmd_import(args: argparse.Namespace) -> int:
    targets: list[str] = args.targets
    wayback_options = [f"--{name}" for name in ("cdx", "replay", "from", "to") if getattr(args, name) is not None]
    if targets[0] == WAYBACK:
        from archiver.importing.wayback import import_wayback

        if len(targets) != 2 or args.cdx is None:
            raise ConfigError("use: archiver import wayback URL-PREFIX --cdx URL [--replay PREFIX] [--from D] [--to D]")
        result = import_wayback(
            targets[1],
            args.cdx,
            replay=args.replay,
            since=getattr(args, "from"),
            until=args.to,
            store_uri=args.store,
            catalog_url=args.catalog,
            delay=args.delay,
            retries=args.retries,
        )
    else:
        from archiver.importing.files import import_files

        if wayback_options:
            raise ConfigError(f"{', '.join(wayback_options)}: only for `archiver import wayback URL-PREFIX --cdx URL`")
        result = import_files(targets, args.store, args.catalog)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "import_id": result.import_id,
                    "manifest": result.manifest,
                    "inputs": [item.as_dict() for item in result.inputs],
                    "counts": result.counts,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    for item in result.inputs:
        if item.status == "already imported":
            print(f"{item.name}: already imported by {item.already_in} (sha256 {item.sha256}); nothing to do")
        elif item.kind == "wayback":
            print(
                f"{item.name}: {item.responses} capture(s) imported, {item.articles} article page(s), "
                f"{item.skipped} already in the archive"
            )
        elif item.kind == "wacz":
            print(f"{item.name}: WACZ, its WARC files follow")
        else:
            reframed = " (re-framed: one gzip member per record)" if item.reframed else ""
            print(
                f"{item.name}: {item.records} record(s), {item.responses} response(s), {item.articles} article "
                f"page(s) -> {item.warc_key}{reframed}"
            )
    if result.import_id is None:
        print("nothing new to import", file=sys.stderr)
    else:
        articles = result.counts.get("articles_new", 0) + result.counts.get("articles_changed", 0)
        print(
            f"import {result.import_id}: {articles} new article version(s), "
            f"{result.counts.get('articles_unchanged', 0)} equal to a version already archived; "
            f"manifest {result.manifest}",
            file=sys.stderr,
        )
    return 0


def add_import_command(sub: Any) -> None:
    imp = sub.add_parser(
        "import",
        help="import WARC/WACZ files made by other tools, or a Wayback archive's captures (`import wayback`)",
        description="archiver import FILE.warc.gz|FILE.wacz ... | archiver import wayback URL-PREFIX --cdx URL",
    )
    imp.add_argument("targets", nargs="+", metavar="FILE", help="WARC or WACZ files; or `wayback URL-PREFIX`")
    imp.add_argument("--store", help=STORE_HELP)
    imp.add_argument("--catalog", help=CATALOG_HELP)
    imp.add_argument("--format", choices=("text", "json"), default="text", help="what to print (default text)")
    wayback = imp.add_argument_group("wayback", "for `archiver import wayback URL-PREFIX`")
    wayback.add_argument("--cdx", help="the archive's CDX API, e.g. https://web.archive.org/cdx/search/cdx")
    wayback.add_argument(
        "--replay",
        help="replay prefix the captures are fetched from as PREFIX{timestamp}id_/{url} (default: from --cdx)",
    )
    wayback.add_argument("--from", type=iso_date, metavar="DATE", help="captures from this day (YYYY-MM-DD)")
    wayback.add_argument("--to", type=iso_date, metavar="DATE", help="captures up to this day (YYYY-MM-DD)")
    wayback.add_argument("--delay", type=float, default=1.0, help="seconds between two fetches (default 1)")
    wayback.add_argument("--retries", type=int, default=3, help="tries more on errors, 429 and 5xx (default 3)")
    imp.set_defaults(handler=cmd_import)
