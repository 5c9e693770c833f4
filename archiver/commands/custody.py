"""`custody verify|show|stamp`: the store's hash-chained custody log (library: archiver/custody/)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

from archiver.commands.common import STORE_HELP, iso_date
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
    if args.action == "stamp":
        from archiver.custody.stamp import stamp_day

        urls = tuple(args.tsa) or tsa_setting()
        if not urls:
            raise ConfigError("`archiver custody stamp` needs a time-stamping authority: --tsa URL or $ARCHIVER_TSA")
        stamp = stamp_day(store, args.day or datetime.now(UTC).date(), urls)
        print(f"custody line {stamp.seq} ({stamp.digest}), the last of {stamp.day}, timestamped: {stamp.key}")
        return 0
    report = verify_custody(store)
    if report.broken:
        print(f"custody log broken after {report.lines} intact line(s): {report.broken}")
        return 1
    print(f"custody log intact: {report.lines} line(s); last line {report.last_digest}")
    for stamp in report.stamps:
        print(f"  line {stamp.seq} (last of {stamp.day}) timestamped {stamp.time} by {stamp.authority}")
    return 0


def tsa_setting() -> tuple[str, ...]:
    """$ARCHIVER_TSA: time-stamping authority URLs, tried in order (spaces or commas between them)."""
    return tuple(url for url in re.split(r"[\s,]+", os.environ.get("ARCHIVER_TSA", "")) if url)


def add_custody_commands(sub: Any) -> None:
    custody = sub.add_parser("custody", help="the store's hash-chained custody log: verify, show or stamp it")
    custody.add_argument(
        "action",
        choices=("verify", "show", "stamp"),
        help="verify: check every link and stamp (exit 1 at the first broken one); show: print the lines as JSONL; "
        "stamp: timestamp a day's last line with an RFC 3161 authority",
    )
    custody.add_argument("--store", help=STORE_HELP)
    custody.add_argument("--month", type=_month, help="show: only this month's lines (YYYY-MM)")
    custody.add_argument("--day", type=iso_date, help="stamp: the day (UTC) whose last line to timestamp (today)")
    custody.add_argument("--tsa", action="append", default=[], metavar="URL", help="stamp: time-stamping authority")
    custody.set_defaults(handler=cmd_custody)
