"""`archiver search`: the CLI's answer to the web app's search (library: archiver/search/)."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import Any

from archiver.commands.common import CATALOG_HELP, STORE_HELP, iso_date

ISOLATE, POP = "\u2068", "\u2069"  # so an Arabic line reads right to left in a bidi terminal, markers in place


def _marked(text: str, spans: tuple[tuple[int, int], ...], start: str, end: str) -> str:
    out, last = [], 0
    for begin, finish in spans:
        out += [text[last:begin], start, text[begin:finish], end]
        last = finish
    return "".join([*out, text[last:]])


def cmd_search(args: argparse.Namespace) -> int:
    from archiver.retrieval.localtime import libya_time
    from archiver.search import SearchQuery, open_search
    from archiver.store import open_existing_store

    query = SearchQuery(
        q=args.query,
        sites=tuple(args.site or ()),
        date_from=args.date_from,
        date_to=args.date_to,
        language=args.language,
        section=args.section,
        author=args.author,
        sort=args.sort,
        page=args.page,
        page_size=args.page_size,
    )
    with open_search(open_existing_store(args.store), args.catalog) as index:
        index.sync()
        page = index.search(query)
    if args.format == "json":
        print(json.dumps(page.as_json(), ensure_ascii=False, indent=2))
        return 0
    tty = sys.stdout.isatty()
    start, end = ("\033[1m", "\033[0m") if tty else ("⟦", "⟧")
    first = (max(1, args.page) - 1) * args.page_size
    shown = f"{first + 1}-{first + len(page.results)} of " if page.results else ""
    print(f"{shown}{page.total} article(s)")
    for hit in page.results:
        when = ""
        if hit.published_at:
            try:
                when = f"  {libya_time(hit.published_at)}"
            except ValueError:
                when = f"  {hit.published_at}"
        print()
        print(f"{ISOLATE}{_marked(hit.title, hit.title_highlights, start, end)}{POP}")
        print(f"  {hit.site}{when}  {hit.url}")
        print(f"  {ISOLATE}{_marked(hit.snippet, hit.highlights, start, end)}{POP}")
        print(f"  {hit.article_key}")
    if page.facets.get("site"):
        print()
        print("by site:  " + ", ".join(f"{site} {n}" for site, n in page.facets["site"].items()))
        print("by month: " + ", ".join(f"{month} {n}" for month, n in page.facets["month"].items()))
    return 0


SYNTAX = (
    "QUERY: words that must all occur (Arabic spelling variants and English word forms match: a plain alef finds "
    'a hamza, "elections" finds "election"); "a quoted phrase" (or «...») word after word; -word or -"phrase" '
    "excludes. An empty QUERY lists the articles the filters select, newest first."
)


def add_search_command(sub: Any) -> None:
    search = sub.add_parser(
        "search",
        help="full-text search over the archived articles",
        description=textwrap.fill(
            "Search the titles and bodies of the archived articles (the newest version of each) and print one "
            "page of results with snippets, and the counts per site and per month. " + SYNTAX,
            width=100,
        ),
    )
    search.add_argument("query", help="words, \"phrases\", -exclusions ('' for every article)")
    search.add_argument("--store", help=STORE_HELP)
    search.add_argument("--catalog", help=CATALOG_HELP + "; the search index lives beside it or in it")
    search.add_argument("--site", action="append", help="only this site (repeatable)")
    search.add_argument("--from", dest="date_from", type=iso_date, help="published on or after YYYY-MM-DD")
    search.add_argument("--to", dest="date_to", type=iso_date, help="published on or before YYYY-MM-DD")
    search.add_argument("--language", help="ar, en, ...")
    search.add_argument("--section", help="the section as published")
    search.add_argument("--author", help="part of an author's name")
    search.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    search.add_argument("--page", type=_positive, default=1)
    search.add_argument("--page-size", type=_positive, default=20, help="results per page (at most 100)")
    search.add_argument("--format", choices=("text", "json"), default="text")
    search.set_defaults(handler=cmd_search)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return number
