"""Scrapy settings of an archiving crawl. Module-level names are the defaults (scrapy.cfg points here);
`crawl_settings()` adds what depends on one crawl. Every value can be overridden with `--set NAME=VALUE`."""

from __future__ import annotations

from typing import Any

from archiver import __version__

BOT_NAME = "libya-news-archiver"
SPIDER_MODULES = ["archiver.crawl.discovery.spider"]  # the generic spider; spiders/ holds the site profiles
NEWSPIDER_MODULE = "spiders"

ARCHIVER_CONTACT_URL = "https://github.com/libya-news-archive/archiver/blob/main/README.md#crawler"
USER_AGENT = f"LibyaNewsArchiver/{__version__} (+{ARCHIVER_CONTACT_URL})"

# Politeness (docs/crawling.md: Scrapy fails open on robots.txt 5xx, ignores Crawl-delay and Retry-After).
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "LibyaNewsArchiver"
CONCURRENT_REQUESTS = 16
# Scrapy starts this many tasks for every response to process the callback's output; a page yields at most one
# article here, and the default (100) cost about a fifth of the crawl's time in bench/crawl_overhead.py.
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
ARCHIVER_RETRY_AFTER_MAX = 600.0
ARCHIVER_CRAWL_DELAY_MAX = 60.0
RETRY_TIMES = 2
# A server still failing after the retries is the web, not the crawl, failing: a warning (errors are ours).
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"
REDIRECT_MAX_TIMES = 5
# Hops away from a listing: other pages of a listing (/page/N/, ?page=N, rel=next) and date archives keep the
# depth of the page linking them (ListingDepthMiddleware), so a listing is walked to its end (docs/crawling.md).
DEPTH_LIMIT = 6
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "archiver.crawl.discovery.pagination.ListingDepthMiddleware": 900,
}
# An incremental crawl (not a backfill) stops paginating a listing after this many pages in a row that hold only
# articles archived already (0: never stops), so a crawl every two hours costs a few requests.
ARCHIVER_KNOWN_PAGES_STOP = 1
# Any crawl stops paginating a listing after this many pages in a row that gave nothing new to fetch (0: never).
ARCHIVER_BARREN_PAGES_STOP = 3
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # a 10 MB page is dropped, not waited for
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Safety: verify TLS, no local-file or data: schemes, no telnet console.
DOWNLOAD_VERIFY_CERTIFICATES = True
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False

DOWNLOAD_HANDLERS = {
    "http": "archiver.crawl.capture.wiretap.ArchivingDownloadHandler",
    "https": "archiver.crawl.capture.wiretap.ArchivingDownloadHandler",
    "file": None,
    "data": None,
    "s3": None,
    "ftp": None,
}
DOWNLOADER_MIDDLEWARES = {
    "archiver.crawl.discovery.scope.OriginScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "archiver.crawl.politeness.robots.StrictRobotsTxtMiddleware": 100,
    "archiver.crawl.politeness.delays.PolitenessMiddleware": 560,
    # The public-suffix check without a download (offline crawls stay offline).
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "archiver.crawl.politeness.cookies.OfflineCookiesMiddleware": 700,
    "archiver.crawl.capture.middleware.WarcCaptureMiddleware": 950,
}
# `scrapy crawl news -a start_url=URL` in this folder runs the archiving crawl (archiver/scrapy_commands/crawl.py).
COMMANDS_MODULE = "archiver.scrapy_commands"
ITEM_PIPELINES = {"archiver.crawl.archive.pipeline.ArticlePipeline": 300}

ARCHIVER_WARC_MAX_SIZE = 1024**3

# Bounds against hostile servers (docs/failure-behaviour.md): each stops one response or page, never the crawl.
ARCHIVER_SITEMAP_MAX_SIZE = 50 * 1024 * 1024  # a gzip sitemap is inflated up to this, then cut (the protocol's cap)
ARCHIVER_HEADER_MAX_BYTES = 64 * 1024  # response header block; beyond it the response fails (endless headers)
ARCHIVER_HEADER_MAX_COUNT = 500  # response header lines
ARCHIVER_MAX_LINKS_PER_PAGE = 2000  # links followed from one page; the rest are dropped and the page is named
# Read commands (snapshot --format html) cap a decoded archived body at $ARCHIVER_DECODE_MAX_SIZE (default 64 MiB),
# an environment variable because they take no --set (archiver/bounded.py).
# Network safety: loopback, private, link-local and other non-public addresses are refused at connect time unless a
# start URL names the address itself (a literal IP, or localhost) or this is true.
ARCHIVER_ALLOW_PRIVATE_ADDRESSES = False
LOG_LEVEL = "INFO"

# Progress every N seconds (0: off): a live line on a terminal, else log records; "json" logs: one object a line.
EXTENSIONS = {
    "archiver.crawl.archive.extension.ArchiveExtension": 0,  # the archive the capture, pipeline and scope use
    "archiver.crawl.archive.progress.CrawlProgress": 500,
}
ARCHIVER_PROGRESS_INTERVAL = 10.0
ARCHIVER_LOG_FORMAT = "text"


def crawl_settings(overrides: dict[str, str]) -> dict[str, Any]:
    """The module defaults plus `--set` overrides (values as strings, Scrapy converts them on read)."""
    values = {name: value for name, value in globals().items() if name.isupper()}
    values.update(overrides)
    if "ARCHIVER_CONTACT_URL" in overrides and "USER_AGENT" not in overrides:
        values["USER_AGENT"] = f"LibyaNewsArchiver/{__version__} (+{overrides['ARCHIVER_CONTACT_URL']})"
    return values
