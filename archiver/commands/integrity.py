"""`verify`: re-check every object of an archive (library: archiver/verify.py verify_store)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from archiver.commands.common import CATALOG_HELP, STORE_HELP


def cmd_verify(args: argparse.Namespace) -> int:
    from archiver.store import open_existing_store
    from archiver.verify import verify_store

    report = verify_store(open_existing_store(args.store), args.catalog)
    for problem in report.problems:
        print(problem)
    summary = f"{report.objects} objects, {report.warc_files} WARC files, {report.articles} articles checked"
    print(f"{summary}: {'intact' if report.intact else f'{len(report.problems)} problem(s)'}", file=sys.stderr)
    return 0 if report.intact else 1


def add_verify_command(sub: Any) -> None:
    ver = sub.add_parser("verify", help="re-hash every object and check every WARC record and article link")
    ver.add_argument("--store", help=STORE_HELP)
    ver.add_argument("--catalog", help=CATALOG_HELP + "; its article keys are checked too")
    ver.set_defaults(handler=cmd_verify)
