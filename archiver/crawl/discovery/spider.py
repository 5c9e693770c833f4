"""The one spider: discovers articles on any news site and hands each to the archive.

Discovery, most trusted first: sitemaps (robots.txt `Sitemap:` lines, /sitemap.xml, sitemap indexes), feeds
(RSS/Atom, from <link rel="alternate">), then in-site links, bounded by depth, a page budget and TrapGuard.
Sites differ by data (start URLs, origins), never by spider code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urlsplit

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.http import Request, Response
from scrapy.utils.sitemap import Sitemap

from archiver.bounded import inflate
from archiver.catalog.prior import PriorCaptures
from archiver.crawl.capture.middleware import CAPTURE_META_KEY
from archiver.crawl.discovery.backfill_journal import BackfillJournal, JournalEntry
from archiver.crawl.discovery.crawl_scope import CrawlScope
from archiver.crawl.discovery.feeds import api_posts, day_of, feed_entries, parse_feed_date, with_page
from archiver.crawl.discovery.links import LinkLimits, is_well_formed, resolve_link
from archiver.crawl.discovery.pagination import (
    SAME_LEVEL_META,
    archive_month,
    date_in_url,
    is_date_archive,
    is_pagination_anchor,
    last_page_number,
    listing_dates,
    listing_of,
    page_number,
)
from archiver.extraction.article import article_id
from archiver.extraction.page import parse_page
from archiver.extraction.pagetype import is_article, link_density, url_looks_like_article
from archiver.extraction.profile_check import extract_with_evidence
from archiver.sites import profile_for_host
from archiver.urls import TrapGuard, normalize_url, origin_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/xml",
    "text/xml",
)
SKIP_EXTENSIONS = (
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".svg",
    ".pdf",
    ".zip",
    ".mp3",
    ".mp4",
    ".avi",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".css",
    ".js",
    ".ico",
    ".woff",
    ".woff2",
    ".ttf",
    ".apk",
    ".exe",
    ".rar",
    ".mov",
)
PRIORITY_ARTICLE = 20  # from sitemaps and feeds
PRIORITY_ARTICLE_LINK = 10
PRIORITY_LISTING = 0
DEFAULT_MAX_LINKS_PER_PAGE = 2000  # the crawl sets these from ARCHIVER_MAX_LINKS_PER_PAGE and _SITEMAP_MAX_SIZE
DEFAULT_SITEMAP_MAX_SIZE = 50 * 1024 * 1024
DEFAULT_KNOWN_PAGES_STOP = 1  # the crawl sets these from ARCHIVER_KNOWN_PAGES_STOP and ARCHIVER_BARREN_PAGES_STOP
DEFAULT_BARREN_PAGES_STOP = 3
WP_API_LINK_REL = "https://api.w.org/"
WP_POSTS_PER_PAGE = 100
KEY_META = "archiver_journal_key"  # the request's key in the backfill journal
STALE_META = "archiver_stale_pages"  # pages of this listing in a row holding only archived articles
BARREN_META = "archiver_barren_pages"  # pages of this listing in a row that gave nothing new


@dataclass
class CrawlTarget:
    """One site to crawl: its id, where to start, and the origins (host:port) it may visit."""

    site: str
    start_urls: list[str]
    origins: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.origins |= {origin_of(u) for u in self.start_urls}


def crawl_scope(targets: list[CrawlTarget]) -> CrawlScope:
    """The origins the crawl of `targets` covers, and the non-public addresses its start URLs name themselves."""
    return CrawlScope.of(((t.site, t.origins) for t in targets), (u for t in targets for u in t.start_urls))


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        targets: list[CrawlTarget],
        max_pages: int | None = None,
        known_article_ids: frozenset[str] = frozenset(),
        since: date | None = None,
        recrawl: bool = False,
        prior: PriorCaptures | None = None,
        backfill: bool = False,
        until: date | None = None,
        journal: BackfillJournal | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.backfill = backfill  # walk every listing, archive, sitemap and post API back to the oldest article
        self.until = until  # ... but no further back than this day
        self.journal = journal  # the backfill's frontier in the spool (None: not resumable, or kept in Redis)
        self.known_pages_stop = DEFAULT_KNOWN_PAGES_STOP
        self.barren_pages_stop = DEFAULT_BARREN_PAGES_STOP
        self._open_parts: dict[str, int] = {}  # journal key -> parts done of an article page (links, item)
        self._listing_last: dict[str, int] = {}  # listing -> highest page number its pagination shows
        self._listing_seen: dict[str, int] = {}  # listing -> highest page number scheduled
        self.since = since  # sitemap and feed entries dated before it are not fetched
        self.recrawl = recrawl  # archived articles are fetched again, conditionally where the server allows
        self.known_article_ids = known_article_ids  # archived already: not fetched again (incremental crawl)
        self.prior = prior  # what earlier crawls archived: asked conditionally, and all again with --recrawl
        self.targets = targets
        self.max_pages = max_pages
        self.scope = crawl_scope(targets)
        self._seen: set[str] = set()
        self._scheduled_pages = 0
        self.traps = TrapGuard()
        self.link_limits = LinkLimits(DEFAULT_MAX_LINKS_PER_PAGE)
        self.sitemap_max_size = DEFAULT_SITEMAP_MAX_SIZE

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._robots_parsed, signal=signals.robots_parsed)
        spider.link_limits.max_per_page = max(1, crawler.settings.getint("ARCHIVER_MAX_LINKS_PER_PAGE"))
        spider.sitemap_max_size = max(1, crawler.settings.getint("ARCHIVER_SITEMAP_MAX_SIZE"))
        spider.known_pages_stop = crawler.settings.getint("ARCHIVER_KNOWN_PAGES_STOP", DEFAULT_KNOWN_PAGES_STOP)
        spider.barren_pages_stop = crawler.settings.getint("ARCHIVER_BARREN_PAGES_STOP", DEFAULT_BARREN_PAGES_STOP)
        crawler.signals.connect(spider._item_scraped, signal=signals.item_scraped)
        return spider

    def _article_patterns(self, url: str) -> tuple[re.Pattern[str], ...]:
        """A registered site's own article URL patterns (empty for unregistered sites)."""
        profile = profile_for_host(urlsplit(url).hostname)
        return profile.article_url_patterns if profile else ()

    def site_for_url(self, url: str) -> str:
        return self.scope.site_for_url(url)

    # -- scheduling ------------------------------------------------------------------------------------------------
    def _page_request(
        self,
        url: str,
        priority: int,
        *,
        trusted: bool = False,
        depth: int = 0,
        listing_page: bool = False,
        carry: dict[str, int] | None = None,
    ) -> Request | None:
        """A request for an HTML page, unless seen, off-site, a trap, or over the page budget. `depth`: the depth it
        will have (journaled for a resumed backfill); `listing_page`: another page of a listing or a date archive,
        which keeps the depth of the page linking it."""
        url = urldefrag(url)[0]
        if not url.startswith(("http://", "https://")):
            return None
        if not is_well_formed(url):
            self._malformed_link(url)
            return None
        if not self.scope.covers(url):
            return None
        if urlsplit(url).path.lower().endswith(SKIP_EXTENSIONS):
            return None
        key = normalize_url(url)
        if key in self._seen:
            return None
        if self.known_article_ids and article_id(url) in self.known_article_ids:
            self._seen.add(key)
            self.crawler.stats.inc_value("archiver/already_archived")
            return None
        if not trusted and not self.traps.allow(url, listing_page=listing_page and page_number(url) is not None):
            return None
        meta = {SAME_LEVEL_META: 1, **(carry or {})} if listing_page else {}
        entry = JournalEntry(key, url, "page", depth, priority, meta)
        if self.max_pages is not None and self._scheduled_pages >= self.max_pages:
            if self.journal is not None:  # over this run's budget: the next run of the backfill asks for it
                self._seen.add(key)
                self.journal.queue(entry)
            return None
        self._seen.add(key)
        self._scheduled_pages += 1
        prior = self.prior
        # Only archived articles are asked conditionally: a 304 on a listing would hide its new links.
        headers = prior.conditional_headers(url) if self.recrawl and prior and url in prior.article_urls else {}
        request = Request(url, callback=self.parse_page, priority=priority, headers=headers or None)
        return self._journaled(entry, request)

    def _journaled(self, entry: JournalEntry, request: Request) -> Request:
        """Mark `request` with its journal key and, in a resumable backfill, write it to the journal."""
        request.meta[KEY_META] = entry.key
        request.meta["depth"] = entry.depth  # a start request keeps it; others get it from the depth middleware
        if entry.meta.get(SAME_LEVEL_META):
            request.meta[SAME_LEVEL_META] = True
        for name in (STALE_META, BARREN_META):
            if name in entry.meta:
                request.meta[name] = entry.meta[name]
        if self.journal is not None:
            self.journal.queue(entry)
            request.errback = request.errback or self._request_failed
        return request

    def _resumed_requests(self) -> list[Request]:
        """The requests an earlier run of this backfill queued and never finished; everything it queued counts as
        seen, so nothing it fetched is asked for again."""
        journal = self.journal
        if journal is None:
            return []
        self._seen.update(journal.queued)
        callbacks = {"page": self.parse_page, "sitemap": self.parse_sitemap, "feed": self.parse_feed}
        callbacks["api"] = self.parse_api
        requests = []
        for entry in journal.pending():
            if entry.kind == "page":
                if self.max_pages is not None and self._scheduled_pages >= self.max_pages:
                    continue  # stays pending in the journal for the next run
                self._scheduled_pages += 1
            errback = self._discovery_failed if entry.kind != "page" else None
            callback = callbacks.get(entry.kind, self.parse_page)
            request = Request(entry.url, callback=callback, errback=errback, priority=entry.priority)
            requests.append(self._journaled(entry, request))
            request.meta.pop(SAME_LEVEL_META, None)  # its depth is set already: a start request keeps it
        if requests:
            logger.info("backfill resumed: %d requests pending from the last run", len(requests))
        return requests

    def _discovery_request(
        self, url: str, callback: Any, *, depth: int = 0, same_level: bool = False, meta: dict[str, Any] | None = None
    ) -> Request | None:
        url = urldefrag(url)[0]
        if not is_well_formed(url):
            self._malformed_link(url)
            return None
        key = "discovery:" + normalize_url(url)
        if not self.scope.covers(url) or key in self._seen:
            return None
        self._seen.add(key)
        kind = {self.parse_sitemap: "sitemap", self.parse_feed: "feed", self.parse_api: "api"}.get(callback, "page")
        extra = dict(meta or {}) | ({SAME_LEVEL_META: 1} if same_level else {})
        request = Request(url, callback=callback, errback=self._discovery_failed, priority=PRIORITY_ARTICLE + 5)
        return self._journaled(JournalEntry(key, url, kind, depth, PRIORITY_ARTICLE + 5, extra), request)

    async def start(self) -> AsyncIterator[Request]:
        if self.backfill:
            self.crawler.stats.set_value("archiver/backfill", 1)
            if self.journal is not None and self.journal.oldest:
                self.crawler.stats.set_value("archiver/backfill_oldest", self.journal.oldest)
            self._journal_stats()
        for resumed in self._resumed_requests():
            yield resumed
        for target in self.targets:
            for url in target.start_urls:
                if request := self._page_request(url, PRIORITY_LISTING, trusted=True):
                    request.meta["is_start"] = True
                    yield request
                root = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
                if request := self._discovery_request(root + "/sitemap.xml", self.parse_sitemap):
                    yield request
                if self.backfill:  # WordPress's public post API, where the site runs WordPress and exposes it
                    probe = f"{root}/wp-json/wp/v2/posts?page=1&per_page={WP_POSTS_PER_PAGE}"
                    if request := self._discovery_request(probe, self.parse_api):
                        yield request
        for url in self._archived_article_urls():
            if request := self._page_request(url, PRIORITY_ARTICLE, trusted=True):
                yield request

    def _archived_article_urls(self) -> list[str]:
        """With --recrawl, every archived article of the crawled sites is asked again, linked or not: an article
        no listing shows any more may have been edited or removed, and that is what a recrawl is for."""
        prior = self.prior
        if not self.recrawl or prior is None:
            return []
        return sorted(url for url in prior.article_urls if self.scope.covers(url))

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        sitemaps = getattr(getattr(robotparser, "rp", robotparser), "sitemaps", []) or []
        for url in sitemaps:
            if follow := self._discovery_request(str(url), self.parse_sitemap):
                self.crawler.engine.crawl(follow)

    def _malformed_link(self, url: str) -> None:
        self.link_limits.malformed += 1
        self.crawler.stats.inc_value("archiver/malformed_links_skipped")
        logger.debug("malformed link skipped: %r", url[:200])

    def _discovery_failed(self, failure: Any) -> None:
        logger.debug("discovery request failed: %s", failure.value)
        self._request_failed(failure)

    def _request_failed(self, failure: Any) -> None:
        """A request that failed for good (refused by robots.txt, 404, retries spent) is done: not asked again."""
        request = getattr(failure, "request", None)
        if request is not None and self.journal is not None and (key := request.meta.get(KEY_META)):
            self.journal.finish_request(key, article=False)

    def _settle(self, meta: dict[str, Any], article: bool) -> None:
        """One part of a request is done: its callback ran to the end, or (for an article page) its article was
        handed to the archive. The journal marks it done once every part is, so a kill in between asks again."""
        key = meta.get(KEY_META)
        journal = self.journal
        if journal is None or not key:
            return
        if not article:
            journal.finish_request(key, article=False)
            self._journal_stats()
            return
        parts = self._open_parts.get(key, 0) + 1
        if parts < 2:
            self._open_parts[key] = parts
            return
        self._open_parts.pop(key, None)
        journal.finish_request(key, article=True)
        self._journal_stats()

    def _journal_stats(self) -> None:
        journal = self.journal
        if journal is not None:
            self.crawler.stats.set_value("archiver/backfill_pages_done", journal.pages_done)
            self.crawler.stats.set_value("archiver/backfill_articles", journal.articles)
            self.crawler.stats.set_value("archiver/backfill_pending", journal.pending_count)

    def _item_scraped(self, item: Any, response: Response, spider: Any = None) -> None:
        if isinstance(response, Response):
            self._settle(response.meta, article=True)

    def _reached_text(self, text: str) -> None:
        try:
            self._reached(date.fromisoformat(text))
        except ValueError:
            return

    def _reached(self, day: date) -> None:
        """The oldest day the crawl has reached so far (progress, the journal and the manifest show it)."""
        oldest = self.crawler.stats.get_value("archiver/backfill_oldest")
        if oldest is None or day.isoformat() < oldest:
            self.crawler.stats.set_value("archiver/backfill_oldest", day.isoformat())
        if self.journal is not None:
            self.journal.reached(day)

    def _before_until(self, day: date | None) -> bool:
        return self.until is not None and day is not None and day < self.until

    # -- callbacks --------------------------------------------------------------------------------------------------
    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        yield from self._sitemap_requests(response)
        self._settle(response.meta, article=False)

    def _sitemap_requests(self, response: Response) -> Iterator[Request]:
        depth = response.meta.get("depth", 0) + 1
        body = response.body
        if body[:2] == b"\x1f\x8b":  # raw gzip bytes without Content-Encoding (sitemap.xml.gz)
            inflated = inflate(body, self.sitemap_max_size)
            if inflated.truncated:
                self.crawler.stats.inc_value("archiver/sitemaps_cut")
                logger.warning("sitemap %s cut: %s (ARCHIVER_SITEMAP_MAX_SIZE)", response.url, inflated.note)
            body = inflated.data
        try:
            sitemap = Sitemap(body)
        except (etree.XMLSyntaxError, ValueError):
            if response.meta.get("from_feed_link"):
                yield from self._feed_requests(response)
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            lastmod = entry.get("lastmod")
            when = parse_feed_date(lastmod) if lastmod else None
            if sitemap.type == "sitemapindex":  # every child (yearly, monthly ...), unless all older than --until
                if self._before_until(when.date() if when else None) or self._unchanged_since_captured(loc, when):
                    continue
                if follow := self._discovery_request(loc, self.parse_sitemap, depth=depth):
                    yield follow
            elif self._before_since(lastmod) or self._before_until(when.date() if when else None):
                continue
            elif request := self._page_request(loc, PRIORITY_ARTICLE, trusted=True, depth=depth):
                request.meta["lastmod"] = lastmod
                if when is not None:
                    self._reached(when.date())
                yield request

    def parse_feed(self, response: Response) -> Iterator[Request]:
        yield from self._feed_requests(response)
        self._settle(response.meta, article=False)

    def _feed_requests(self, response: Response) -> Iterator[Request]:
        depth = response.meta.get("depth", 0) + 1
        for entry in feed_entries(response.body) or []:
            if self._before_since(entry.dated):
                continue
            url = resolve_link(response.url, entry.link)
            if url is None:
                self._malformed_link(entry.link)
            elif request := self._page_request(url, PRIORITY_ARTICLE, trusted=True, depth=depth):
                yield request

    def parse_api(self, response: Response) -> Iterator[Request]:
        """A page of WordPress's public post API (`/wp-json/wp/v2/posts?page=N`): each post's `link`, then the next
        page, until an empty page (a page past the end answers 400 rest_post_invalid_page_number, which ends it
        too), a page older than --until, or (in an incremental crawl) pages holding only archived articles."""
        yield from self._api_requests(response)
        self._settle(response.meta, article=False)

    def _api_requests(self, response: Response) -> Iterator[Request]:
        depth = response.meta.get("depth", 0)
        posts = api_posts(response.body)
        if not posts:
            return
        self.crawler.stats.inc_value("archiver/api_pages")
        known = fresh = followed = 0
        reached_until = False
        for post in posts:
            url = resolve_link(response.url, post.link)
            if url is None:
                continue
            day = day_of(post.dated or "")
            if day is not None:
                self._reached(day)
            if self._before_until(day):
                reached_until = True
                continue
            if article_id(url) in self.known_article_ids:
                known += 1
            else:
                fresh += 1
            if request := self._page_request(url, PRIORITY_ARTICLE, trusted=True, depth=depth + 1):
                followed += 1
                yield request
        stale = response.meta.get(STALE_META, 0) + 1 if known and not fresh else 0
        barren = response.meta.get(BARREN_META, 0) + 1 if not followed and not known else 0
        if reached_until or self._stop_stale(stale) or self._stop_barren(barren):
            return
        total_pages = response.headers.get(b"X-WP-TotalPages")
        number = page_number(response.url) or 1
        if total_pages and total_pages.isdigit() and number >= int(total_pages):
            return
        if request := self._discovery_request(
            with_page(response.url, number + 1),
            self.parse_api,
            depth=depth,
            same_level=True,
            meta={STALE_META: stale, BARREN_META: barren},
        ):
            yield request

    def _unchanged_since_captured(self, url: str, lastmod: datetime | None) -> bool:
        """In an incremental crawl, a sitemap index child whose `lastmod` is older than our last capture of it has
        not changed since: it is not fetched again (a backfill and --recrawl fetch every child)."""
        prior = self.prior
        if self.backfill or self.recrawl or not self.known_article_ids or lastmod is None or prior is None:
            return False
        captured = prior.payloads.get(url)
        fetched = parse_feed_date(captured[1]) if captured else None
        if fetched is None:
            return False
        if lastmod.tzinfo is None:
            lastmod = lastmod.replace(tzinfo=UTC)
        if fetched.tzinfo is None:
            fetched = fetched.replace(tzinfo=UTC)
        if lastmod >= fetched:
            return False
        self.crawler.stats.inc_value("archiver/sitemaps_unchanged")
        return True

    def _stop_stale(self, stale: int) -> bool:
        """An incremental crawl (not a backfill) stops paginating a listing after ARCHIVER_KNOWN_PAGES_STOP pages in
        a row holding only articles archived already (0: never stops)."""
        if self.backfill or not self.known_article_ids or self.known_pages_stop <= 0 or stale < self.known_pages_stop:
            return False
        self.crawler.stats.inc_value("archiver/listings_stopped_known")
        return True

    def _before_since(self, value: str | None) -> bool:
        """True when `--since` is set and a sitemap lastmod or feed date says the entry is older."""
        if self.since is None or not value:
            return False
        when = parse_feed_date(value)
        if when is None or when.date() >= self.since:
            return False
        self.crawler.stats.inc_value("archiver/skipped_before_since")
        return True

    def parse_page(self, response: Response) -> Iterator[Any]:
        article = False
        for output in self._page_outputs(response):
            article = article or isinstance(output, dict)
            yield output
        self._settle(response.meta, article=article)  # an article page is done once its article is stored too

    def _page_outputs(self, response: Response) -> Iterator[Any]:
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        head = response.body[:200].lstrip()
        if "xml" in content_type or head.startswith(b"<?xml") or head.startswith(b"<rss"):
            if b"<urlset" in response.body[:2000] or b"<sitemapindex" in response.body[:2000]:
                yield from self._sitemap_requests(response)
            else:
                yield from self._feed_requests(response)
            return
        if content_type and "html" not in content_type and "text/plain" not in content_type:
            return
        headers = {k.decode("latin-1"): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        page = parse_page(response.body, response.url, headers)
        try:
            found = profile_for_host(urlsplit(page.url).hostname)
            article, profile, selectors, layers = extract_with_evidence(page, headers, found)
        except Exception:  # noqa: BLE001 - extraction must not cost the page its links (or the crawl its capture)
            logger.exception("extraction failed on %s; following its links", response.url)
            self.crawler.stats.inc_value("archiver/extraction_errors")
            article, profile, selectors, layers = None, None, [], {}
        anchors = self._anchors(page.tree, response.url)
        capture = response.meta.get(CAPTURE_META_KEY)
        patterns = self._article_patterns(response.url)
        is_article_page = (
            article is not None
            and capture is not None
            and is_article(article, response.url, link_density(page.tree), patterns)
        )
        if is_article_page:
            assert article is not None and capture is not None
            self._reached_text(str(article.get("published_at") or "")[:10])
            yield {
                "site": self.site_for_url(response.url),
                "article": article,
                "profile": profile.id if profile else None,
                "selectors": selectors,
                "layers": layers,
                "capture": capture,
                "fetched_at": capture.fetched_at,
            }
        depth = response.meta.get("depth", 0)
        for feed in page.tree.xpath("//link[@rel='alternate'][@href]"):
            if (feed.get("type") or "").lower() not in FEED_TYPES:
                continue
            feed_url = resolve_link(response.url, feed.get("href"))
            if feed_url is None:
                self._malformed_link(feed.get("href"))
            elif request := self._discovery_request(feed_url, self.parse_feed, depth=depth + 1):
                yield request
        for api in page.tree.xpath(f"//link[@rel='{WP_API_LINK_REL}'][@href]"):
            root = resolve_link(response.url, api.get("href"))
            posts = f"{root.rstrip('/')}/wp/v2/posts?page=1&per_page={WP_POSTS_PER_PAGE}" if root else None
            if posts and (request := self._discovery_request(posts, self.parse_api, depth=depth)):
                yield request
        # Other pages of this listing and date archives keep this page's depth; from an article page they are
        # ordinary links (a "next article" chain is no listing).
        same_level: list[str] = []
        onward: list[str] = []
        for url, anchor in anchors:
            if not is_article_page and (is_pagination_anchor(anchor, url, response.url) or is_date_archive(url)):
                same_level.append(url)
            else:
                onward.append(url)
        if not is_article_page:
            for link in page.tree.xpath("//link[@rel='next'][@href]"):
                if following := resolve_link(response.url, link.get("href")):
                    same_level.append(following)
        article_links = [u for u in onward if url_looks_like_article(u, patterns)]
        days = listing_dates(page.tree, article_links) if not is_article_page else []
        if days:
            self._reached(min(days))
        followed = 0
        offered = len(onward) + len(same_level)
        for link in onward:
            if not self.link_limits.allows(followed):
                self.link_limits.capped(response.url, offered)
                break
            if self._before_until(date_in_url(link)):
                continue
            priority = PRIORITY_ARTICLE_LINK if url_looks_like_article(link, patterns) else PRIORITY_LISTING
            if request := self._page_request(link, priority, depth=depth + 1):
                followed += 1
                yield request
        if not same_level:
            return
        known = sum(1 for u in article_links if article_id(u) in self.known_article_ids)
        stale = response.meta.get(STALE_META, 0) + 1 if article_links and known == len(article_links) else 0
        # Archived articles are no repetition: a backfill walks on through pages of them to the older ones.
        barren = response.meta.get(BARREN_META, 0) + 1 if followed == 0 and known == 0 else 0
        if self._stop_stale(stale) or self._stop_barren(barren) or self._stop_until(days):
            return
        listing = listing_of(response.url)
        if last := last_page_number(page.tree):
            self._listing_last[listing] = max(self._listing_last.get(listing, 0), last)
        carry = {STALE_META: stale, BARREN_META: barren}
        for link in same_level:
            if not self.link_limits.allows(followed):
                self.link_limits.capped(response.url, offered)
                break
            month = archive_month(link)
            if month is not None and self._before_until(_month_end(month)):
                continue
            if request := self._page_request(link, PRIORITY_LISTING, depth=depth, listing_page=True, carry=carry):
                followed += 1
                if (number := page_number(link)) is not None:
                    seen = self._listing_seen
                    seen[listing_of(link)] = max(seen.get(listing_of(link), 0), number)
                yield request
        self._estimate()

    def _stop_barren(self, barren: int) -> bool:
        """A listing stops after ARCHIVER_BARREN_PAGES_STOP pages in a row that gave nothing new to fetch (a
        pagination trap repeating itself; 0: never)."""
        if self.barren_pages_stop <= 0 or barren < self.barren_pages_stop:
            return False
        self.crawler.stats.inc_value("archiver/listings_stopped_barren")
        return True

    def _stop_until(self, days: list[date]) -> bool:
        """--until: a listing page whose articles are mostly older than DATE (its median date: a sidebar of old or
        new articles on every page does not decide) is the last one walked."""
        if not days or not self._before_until(sorted(days)[len(days) // 2]):
            return False
        self.crawler.stats.inc_value("archiver/listings_stopped_until")
        return True

    def _estimate(self) -> None:
        """Listing pages not reached yet, by the highest page number each listing's pagination shows."""
        left = sum(max(last - self._listing_seen.get(name, 1), 0) for name, last in self._listing_last.items())
        self.crawler.stats.set_value("archiver/backfill_listing_pages_left", left)

    def _anchors(self, tree: Any, base: str) -> list[tuple[str, Any]]:
        out = []
        for anchor in tree.iterfind(".//a[@href]"):
            href = anchor.get("href", "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
                continue
            if "nofollow" in (anchor.get("rel") or ""):
                continue
            url = resolve_link(base, href)
            if url is None:
                self._malformed_link(href)
            else:
                out.append((url, anchor))
        return out

    def _links(self, tree: Any, base: str) -> list[str]:
        return [url for url, _anchor in self._anchors(tree, base)]


def _month_end(day: date) -> date:
    """The last day of `day`'s month (a month archive covers it all)."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)
