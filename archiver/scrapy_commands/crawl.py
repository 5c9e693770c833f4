"""`scrapy crawl news -a start_url=URL [-a store=URI]`: the archiving crawl, run as `archiver crawl` runs it.

A bare `scrapy crawl` would run the spider without what makes it an archive (wire capture, WARC files, the store,
the manifest), so this project's `crawl` command hands the arguments to the archiver's own crawl instead.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

SPIDER = "news"
USAGE = (
    "scrapy crawl news needs -a start_url=URL (or -a site=ID) [-a store=URI] [-a max_pages=N]; "
    "or use `archiver crawl --start-url URL` (see `archiver crawl --help`)"
)
OPTIONS = {"store": "--store", "max_pages": "--max-pages"}


def archiver_argv(spider_args: dict[str, str], settings: list[str], log_level: str | None) -> list[str] | None:
    """The `archiver crawl` command line for these `-a` and `-s` values, or None when nothing names what to crawl
    or an argument is unknown."""
    argv = ["crawl"]
    for name, value in spider_args.items():
        if name == "site":
            argv += [site for site in value.split(",") if site]
        elif name == "start_url":
            argv += [f"--start-url={url}" for url in value.split(",") if url]
        elif name in ("store", "max_pages"):
            argv.append(f"{OPTIONS[name]}={value}")
        else:
            return None
    if "start_url" not in spider_args and "site" not in spider_args:
        return None
    argv += [f"--set={setting}" for setting in settings]
    if log_level:
        argv.append(f"--set=LOG_LEVEL={log_level}")
    return argv


class Command(ScrapyCrawlCommand):
    # The archiver's crawl starts its own crawler process; Scrapy must not install a reactor first.
    requires_crawler_process = False

    def short_desc(self) -> str:
        return "Run the archiving crawl: scrapy crawl news -a start_url=URL [-a store=URI]"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from archiver.cli import main

        if args != [SPIDER]:
            print(f"scrapy crawl: the one spider is {SPIDER!r}; {USAGE}", file=sys.stderr)
            self.exitcode = 2
            return
        argv = archiver_argv(dict(opts.spargs), list(opts.set or []), getattr(opts, "loglevel", None))
        if argv is None:
            print(USAGE, file=sys.stderr)
            self.exitcode = 2
            return
        self.exitcode = main(argv)
