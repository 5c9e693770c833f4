"""`extract`: the article fields of one saved page (library: archiver.extract)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from archiver.errors import ConfigError


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


def add_extract_command(sub: Any) -> None:
    ext = sub.add_parser("extract", help="extract article fields from a saved page")
    ext.add_argument("--url", required=True, help="the URL the page was fetched from")
    ext.add_argument("--content-type", help="the Content-Type header the server sent, if known")
    ext.add_argument("file", help="saved page (- for standard input)")
    ext.set_defaults(handler=cmd_extract)
