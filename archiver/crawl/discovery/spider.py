"""The one spider: discovers articles on any news site and hands each to the archive.

Discovery, most trusted first: sitemaps (robots.txt `Sitemap:` lines, /sitemap.xml, sitemap indexes), feeds
(RSS/Atom, from <link rel="alternate">), then in-site links, bounded by depth, a page budget and TrapGuard.
Sites differ by data (start URLs, origins), never by spider code.
"""

from __future__ import annotations

import email.utils
import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
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
from archiver.crawl.discovery.crawl_scope import CrawlScope
from archiver.crawl.discovery.links import LinkLimits, is_well_formed, resolve_link
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
FEED_DATES = ("updated", "modified", "pubDate", "published", "date", "lastmod")  # RSS, Atom, Dublin Core
PRIORITY_ARTICLE = 20  # from sitemaps and feeds
PRIORITY_ARTICLE_LINK = 10
PRIORITY_LISTING = 0
DEFAULT_MAX_LINKS_PER_PAGE = 2000  # the crawl sets these from ARCHIVER_MAX_LINKS_PER_PAGE and _SITEMAP_MAX_SIZE
DEFAULT_SITEMAP_MAX_SIZE = 50 * 1024 * 1024


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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
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
        return spider

    def _article_patterns(self, url: str) -> tuple[re.Pattern[str], ...]:
        """A registered site's own article URL patterns (empty for unregistered sites)."""
        profile = profile_for_host(urlsplit(url).hostname)
        return profile.article_url_patterns if profile else ()

    def site_for_url(self, url: str) -> str:
        return self.scope.site_for_url(url)

    # -- scheduling ------------------------------------------------------------------------------------------------
    def _page_request(self, url: str, priority: int, *, trusted: bool = False) -> Request | None:
        """A request for an HTML page, unless seen, off-site, a trap, or over the page budget."""
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
        if not trusted and not self.traps.allow(url):
            return None
        if self.max_pages is not None and self._scheduled_pages >= self.max_pages:
            return None
        self._seen.add(key)
        self._scheduled_pages += 1
        prior = self.prior
        # Only archived articles are asked conditionally: a 304 on a listing would hide its new links.
        headers = prior.conditional_headers(url) if self.recrawl and prior and url in prior.article_urls else {}
        return Request(url, callback=self.parse_page, priority=priority, headers=headers or None)

    def _discovery_request(self, url: str, callback: Any) -> Request | None:
        url = urldefrag(url)[0]
        if not is_well_formed(url):
            self._malformed_link(url)
            return None
        key = "discovery:" + normalize_url(url)
        if not self.scope.covers(url) or key in self._seen:
            return None
        self._seen.add(key)
        return Request(url, callback=callback, errback=self._discovery_failed, priority=PRIORITY_ARTICLE + 5)

    async def start(self) -> AsyncIterator[Request]:
        for target in self.targets:
            for url in target.start_urls:
                if request := self._page_request(url, PRIORITY_LISTING, trusted=True):
                    request.meta["is_start"] = True
                    yield request
                root = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
                if request := self._discovery_request(root + "/sitemap.xml", self.parse_sitemap):
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

    # -- callbacks --------------------------------------------------------------------------------------------------
    def parse_sitemap(self, response: Response) -> Iterator[Request]:
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
                yield from self.parse_feed(response)
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                if follow := self._discovery_request(loc, self.parse_sitemap):
                    yield follow
            elif self._before_since(entry.get("lastmod")):
                continue
            elif request := self._page_request(loc, PRIORITY_ARTICLE, trusted=True):
                request.meta["lastmod"] = entry.get("lastmod")
                yield request

    def parse_feed(self, response: Response) -> Iterator[Request]:
        try:
            root = etree.fromstring(
                response.body, etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
            )
        except (etree.XMLSyntaxError, ValueError):
            return
        if root is None:
            return
        links: list[str] = []
        for element in root.iter():
            tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
            if tag not in ("item", "entry"):
                continue
            children = {etree.QName(c).localname: c for c in element if isinstance(c.tag, str)}
            dated = next((children[n].text for n in FEED_DATES if n in children and children[n].text), None)
            if self._before_since(dated):
                continue
            if tag == "item":
                link = children["link"].text if "link" in children else None
                if link:
                    links.append(link.strip())
            else:
                for child in element:
                    is_link = isinstance(child.tag, str) and etree.QName(child).localname == "link"
                    if is_link and child.get("rel", "alternate") == "alternate" and child.get("href"):
                        links.append(child.get("href").strip())
        for link in links:
            url = resolve_link(response.url, link)
            if url is None:
                self._malformed_link(link)
            elif request := self._page_request(url, PRIORITY_ARTICLE, trusted=True):
                yield request

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
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        head = response.body[:200].lstrip()
        if "xml" in content_type or head.startswith(b"<?xml") or head.startswith(b"<rss"):
            if b"<urlset" in response.body[:2000] or b"<sitemapindex" in response.body[:2000]:
                yield from self.parse_sitemap(response)
            else:
                yield from self.parse_feed(response)
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
        links = self._links(page.tree, response.url)
        capture = response.meta.get(CAPTURE_META_KEY)
        patterns = self._article_patterns(response.url)
        if (
            article is not None
            and capture is not None
            and is_article(article, response.url, link_density(page.tree), patterns)
        ):
            yield {
                "site": self.site_for_url(response.url),
                "article": article,
                "profile": profile.id if profile else None,
                "selectors": selectors,
                "layers": layers,
                "capture": capture,
                "fetched_at": capture.fetched_at,
            }
        for feed in page.tree.xpath("//link[@rel='alternate'][@href]"):
            if (feed.get("type") or "").lower() not in FEED_TYPES:
                continue
            feed_url = resolve_link(response.url, feed.get("href"))
            if feed_url is None:
                self._malformed_link(feed.get("href"))
            elif request := self._discovery_request(feed_url, self.parse_feed):
                yield request
        followed = 0
        for link in links:
            if not self.link_limits.allows(followed):
                self.link_limits.capped(response.url, len(links))
                break
            priority = PRIORITY_ARTICLE_LINK if url_looks_like_article(link, patterns) else PRIORITY_LISTING
            if request := self._page_request(link, priority):
                followed += 1
                yield request

    def _links(self, tree: Any, base: str) -> list[str]:
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
                out.append(url)
        return out


def parse_feed_date(value: str) -> datetime | None:
    """A sitemap W3C date or a feed's RFC 822 / ISO 8601 date; None when unreadable."""
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
