"""`history`, `snapshot`, `reindex`: the fact-checker's commands (library: archiver/retrieve.py, archiver/catalog/)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.commands.common import CATALOG_HELP, write_atomically
from archiver.errors import ConfigError

if TYPE_CHECKING:
    from archiver.catalog.catalog import Catalog


@contextmanager
def _closing(catalog: Catalog) -> Iterator[Catalog]:
    try:
        yield catalog
    finally:
        catalog.close()


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
    from archiver.catalog.catalog import rebuild_catalog
    from archiver.store import open_store

    store = open_store(args.store)
    report, moved = rebuild_catalog(store, args.catalog)
    if moved is not None:
        print(f"archiver: the damaged catalog was set aside as {moved}", file=sys.stderr)
    print(
        f"catalog rebuilt from {store.uri}: {report.captures} captures from {report.index_files} WARC files "
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
