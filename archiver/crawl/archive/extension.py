"""The crawl's archive as a Scrapy extension: the one place the capture middleware, the article pipeline, the scope
middleware and the download handler find the archive and the crawl's scope, through the crawler.

The runner prepares the archive (store, spool, crawl id, prior captures) and the scope before the crawl starts and
hands them over in the crawler's settings (`ARCHIVER_ARCHIVE`, `ARCHIVER_SCOPE`), set on the crawler after its
settings were copied, so the objects are not copied; `from_crawler` builds the extension from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from scrapy.exceptions import NotConfigured

from archiver.crawl.archive.crawl_archive import CrawlArchive
from archiver.crawl.discovery.crawl_scope import CrawlScope

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

ARCHIVE_SETTING = "ARCHIVER_ARCHIVE"
SCOPE_SETTING = "ARCHIVER_SCOPE"


class Stats(Protocol):
    """The part of Scrapy's stats collector the crawl's components use."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...


class ArchiveExtension:
    def __init__(self, archive: CrawlArchive, scope: CrawlScope) -> None:
        self.archive = archive
        self.scope = scope

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        archive = crawler.settings.get(ARCHIVE_SETTING)
        if not isinstance(archive, CrawlArchive):
            raise NotConfigured("no crawl archive: this crawl writes no WARC")
        scope = crawler.settings.get(SCOPE_SETTING)
        return cls(archive, scope if isinstance(scope, CrawlScope) else CrawlScope())


def hand_over(crawler: Crawler, archive: CrawlArchive, scope: CrawlScope) -> None:
    """Give the crawler what its ArchiveExtension is built from (before `crawl()` freezes its settings)."""
    crawler.settings.set(ARCHIVE_SETTING, archive, priority="cmdline")
    crawler.settings.set(SCOPE_SETTING, scope, priority="cmdline")


def installed_archive(crawler: Crawler) -> ArchiveExtension | None:
    """The crawl's ArchiveExtension, or None when the crawl runs without one."""
    found: ArchiveExtension | None = crawler.get_extension(ArchiveExtension)
    return found


def archive_of(crawler: Crawler) -> ArchiveExtension:
    found = installed_archive(crawler)
    if found is None:
        raise NotConfigured("ArchiveExtension is not installed: add it to EXTENSIONS")
    return found
