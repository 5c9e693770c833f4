"""`custody verify|show`, `release`, `verify-release`: the custody log and citable releases (archiver/custody/,
archiver/release/)."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from archiver.commands.common import STORE_HELP
from archiver.errors import ConfigError


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a month YYYY-MM")
    return value


def cmd_custody(args: argparse.Namespace) -> int:
    from archiver.custody.log import month_text
    from archiver.custody.verify import verify_custody
    from archiver.store import open_existing_store

    store = open_existing_store(args.store)
    if args.action == "show":
        for data in month_text(store, args.month):
            sys.stdout.buffer.write(data)
        return 0
    if args.month:
        raise ConfigError("--month belongs to `archiver custody show`")
    report = verify_custody(store)
    if report.broken:
        print(f"custody log broken after {report.lines} intact line(s): {report.broken}")
        return 1
    print(f"custody log intact: {report.lines} line(s); last line {report.last_digest}")
    return 0


def add_evidence_commands(sub: Any) -> None:
    custody = sub.add_parser("custody", help="the store's hash-chained custody log: verify it, or show its lines")
    custody.add_argument(
        "action",
        choices=("verify", "show"),
        help="verify: check every link (exit 1 at the first broken one); show: print the lines as JSONL",
    )
    custody.add_argument("--store", help=STORE_HELP)
    custody.add_argument("--month", type=_month, help="show: only this month's lines (YYYY-MM)")
    custody.set_defaults(handler=cmd_custody)
