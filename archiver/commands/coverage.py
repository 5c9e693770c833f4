"""`archiver coverage`: articles per month, oldest and newest, gaps, imported share, per site (library:
archiver/ops/coverage.py)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from archiver.commands.common import CATALOG_HELP, STORE_HELP


def cmd_coverage(args: argparse.Namespace) -> int:
    from archiver.ops.coverage import render_text, site_coverage
    from archiver.store import open_existing_store

    report = site_coverage(open_existing_store(args.store), args.catalog, args.site)
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if args.format == "json" else render_text(report))
    return 0


def add_coverage_command(sub: Any) -> None:
    coverage = sub.add_parser(
        "coverage",
        help="per site: articles per month by publication date, oldest and newest, months with none, imported share",
    )
    coverage.add_argument("--site", metavar="S", help="only this site (exit 3 when it is unknown)")
    coverage.add_argument("--store", help=STORE_HELP)
    coverage.add_argument("--catalog", help=CATALOG_HELP + "; the search index lives beside it or in it")
    coverage.add_argument("--format", choices=("text", "json"), default="text")
    coverage.set_defaults(handler=cmd_coverage)
