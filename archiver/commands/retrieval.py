"""`history`, `snapshot`, `reindex`: the fact-checker's commands (library: archiver/retrieval/, archiver/catalog/)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.atomicfile import write_atomically
from archiver.commands.common import CATALOG_HELP, STORE_HELP
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
    from archiver.store import open_existing_store

    return Catalog.open(open_existing_store(args.store), args.catalog)


def cmd_history(args: argparse.Namespace) -> int:
    from archiver.retrieval.localtime import libya_time
    from archiver.retrieval.textdiff import render_diff
    from archiver.retrieval.versions import history_report

    with _closing(_catalog(args)) as catalog:
        report = history_report(catalog, args.url, diffs=args.diff and args.format == "text")
    if report.match.note:
        print(f"archiver: {report.match.note}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([e.as_dict() for e in report.entries], ensure_ascii=False, indent=1))
        return 0
    for index, entry in enumerate(report.entries):
        row = entry.capture
        mark = "new version" if entry.new_version else ("same version" if entry.article_key else "no article")
        print(
            f"{row.captured_at}  (Libya {libya_time(row.captured_at)})  {row.status or '-':>3}  "
            f"{row.record_type:<8} {mark:<12} {entry.title or ''}"
        )
        for diff in report.diffs.get(index, []):
            print(render_diff(diff.field, diff.changes, color=sys.stdout.isatty()))
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from archiver.retrieval.lookup import find_url, parse_at, snapshot_article, snapshot_html, snapshot_warc

    if args.format not in ("json", "html", "warc"):
        raise ConfigError(f"--format {args.format!r}: use json, html or warc")
    if args.format == "warc" and not args.out and sys.stdout.isatty():
        raise ConfigError("--format warc writes gzip-compressed bytes: give --out FILE.warc.gz or redirect the output")
    at = parse_at(args.at) if args.at else None
    with _closing(_catalog(args)) as catalog:
        match = find_url(catalog, args.url)
        if match.note:
            print(f"archiver: {match.note}", file=sys.stderr)
        url = match.url
        if args.format == "json":
            data, note = snapshot_article(catalog, url, at)
        elif args.format == "html":
            text, note = snapshot_html(catalog, url, at)
            data = text.encode("utf-8")
        else:
            name = Path(args.out).name if args.out else None
            data, note = snapshot_warc(catalog, url, at, name), None
    if note:
        print(f"archiver: {note}", file=sys.stderr)
    if args.out:
        try:
            write_atomically(Path(args.out), data)
        except OSError as exc:
            raise ConfigError(f"cannot write {args.out}: {exc.strerror}") from exc
    else:
        # json and warc: exactly the bytes the archive holds (their sha256 is the manifest's); html is text
        # decoded for reading and ends with a newline like any text output.
        newline = args.format == "html" and not data.endswith(b"\n")
        sys.stdout.buffer.write(data + b"\n" if newline else data)
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from archiver.catalog.catalog import rebuild_catalog
    from archiver.store import open_existing_store

    store = open_existing_store(args.store)
    report, moved = rebuild_catalog(store, args.catalog)
    if moved is not None:
        print(f"archiver: the damaged catalog was set aside as {moved}", file=sys.stderr)
    print(
        f"catalog rebuilt from {store.uri}: {report.captures} captures from {report.index_files} WARC files "
        f"({report.warcs_indexed_on_the_fly} indexed from the WARC itself) in {report.seconds:.1f} s"
    )
    from archiver.search import rebuild_search

    documents, moved_index = rebuild_search(store, args.catalog)
    if moved_index is not None:
        print(f"archiver: the damaged search index was set aside as {moved_index}", file=sys.stderr)
    print(f"search index rebuilt: {documents} articles")
    return 0


LOOKUP_HELP = (
    "A URL that is not archived as given is looked up without tracking parameters (utm_*, fbclid, gclid, ...) "
    "and fragment, then with http/https, with or without www. and a trailing slash; stderr names the archived "
    "URL that matched."
)
DIFF_NOTATION = """\
--diff notation (below each new version, for title and body):
  title: 2 change(s)          how many places changed between the previous version and this one
    @ word 14: … a b ⟦⟧ c d …  where: the word position in the previous version, with up to four unchanged words
                               on each side; ⟦⟧ marks the place of the change
    - old words               words removed from the previous version
    + new words               words added in this version
  Every run of text is wrapped in Unicode isolates (U+2068 ... U+2069) so Arabic reads right to left in a bidi
  terminal without moving the markers; the archived text itself is never reordered. On a terminal, removed
  words are red and added words green.
"""


def add_retrieval_commands(sub: Any) -> None:
    hist = sub.add_parser(
        "history",
        help="every capture of a URL and its article versions",
        description=textwrap.fill(
            "Every capture of URL, oldest first: capture time in UTC (as archived) and in Libya (local time), HTTP "
            "status, record type, whether it showed a new article version, and the title. " + LOOKUP_HELP,
            width=100,
        ),
        epilog=DIFF_NOTATION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    hist.add_argument("url")
    hist.add_argument("--store", help=STORE_HELP)
    hist.add_argument("--catalog", help=CATALOG_HELP)
    hist.add_argument("--format", choices=("text", "json"), default="text")
    hist.add_argument(
        "--diff", action="store_true", help="text: word-level diff of title and body between versions (see below)"
    )
    hist.set_defaults(handler=cmd_history)

    snap = sub.add_parser(
        "snapshot",
        help="what a URL said at a time: article JSON, page HTML or a WARC",
        description="What URL said at a time, from the archive. " + LOOKUP_HELP,
    )
    snap.add_argument("url")
    snap.add_argument("--store", help=STORE_HELP)
    snap.add_argument("--catalog", help=CATALOG_HELP)
    snap.add_argument("--at", help="ISO 8601 time (naive: UTC; a bare date: end of that day UTC); default now")
    snap.add_argument("--format", default="json", help="json (article version), html (page as served) or warc")
    snap.add_argument(
        "--out", help="write to this file (atomically) instead of standard output (needed for warc on a terminal)"
    )
    snap.set_defaults(handler=cmd_snapshot)

    rei = sub.add_parser("reindex", help="rebuild the catalog and the search index from the store alone")
    rei.add_argument("--store", help=STORE_HELP)
    rei.add_argument("--catalog", help=CATALOG_HELP)
    rei.set_defaults(handler=cmd_reindex)
