"""URL canonicalisation for deduplication and ids, crawl scope, and trap protection (named tables)."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that never change what a page says (docs/sites.md: Drupal quick tabs, WP cron, trackers, AMP).
IGNORED_QUERY_PARAMS = re.compile(
    r"^(utm_[a-z]+|fbclid|gclid|mc_[a-z]+|doing_wp_cron|amp|qt-[\w-]+|share|replytocom|output)$", re.I
)
DEFAULT_PORTS = {"http": 80, "https": 443}

# Trap limits: how far a crawl may wander into generated URL spaces.
MAX_URL_LENGTH = 400
MAX_PATH_SEGMENTS = 12
MAX_REPEATED_SEGMENT = 2  # the same path segment more than twice: /a/b/a/b/a/b
MAX_QUERY_VARIANTS_PER_PATH = 20  # distinct query strings on one path (calendars, sort orders, session ids)
MAX_CALENDAR_PAGES = 24  # calendar-like paths differing only in digits (calendar/2031/07/...): two years
CALENDAR_PATH = re.compile(r"/(calendar|events?|agenda|date|day)/", re.I)


def origin_of(url: str) -> str:
    """host:port, the scope unit of a crawl (scheme-independent so http->https redirects stay in scope)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    return f"{host}:{port}"


def _requote(part: str, safe: str) -> str:
    # One canonical percent-encoding: upper-case hex, Arabic slugs encoded the same whatever the source did.
    return quote(unquote(part), safe=safe)


def normalize_url(url: str) -> str:
    """Canonical form for deduplication and ids: lower-case scheme and host, default port dropped, fragment and
    tracking parameters dropped, remaining parameters sorted, percent-encoding unified, no trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host if parts.port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{parts.port}"
    path = _requote(parts.path or "/", safe="/:@!$&'()*+,;=-._~")
    path = re.sub(r"/{2,}", "/", path)
    if path.endswith("/amp/") or path.endswith("/amp"):
        path = path[: path.rfind("/amp")] or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not IGNORED_QUERY_PARAMS.match(k)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def path_template(url: str) -> str:
    """The path with every digit run replaced, so /2031/07/ and /2031/08/ share a template."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


LISTING_PAGE_PARAMS = ("page", "paged", "pg", "p_page")  # the page number of a listing (?page=7)


def _without_page_number(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in LISTING_PAGE_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


class TrapGuard:
    """Decides whether a discovered URL is worth following; remembers what it has allowed."""

    def __init__(self) -> None:
        self._query_variants: Counter[str] = Counter()
        self._templates: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self._listing_variants: set[str] = set()

    def allow(self, url: str, listing_page: bool = False) -> bool:
        """`listing_page`: another page of a listing (?page=N); its page number is no query variant, so a listing
        of hundreds of pages is not cut at MAX_QUERY_VARIANTS_PER_PATH (its other parameters still count)."""
        if listing_page:
            url = _without_page_number(url)
        parts = urlsplit(url)
        variant = parts.path + "?" + parts.query
        counted = listing_page and variant in self._listing_variants  # another page of a listing already allowed
        reason = None if counted else self._reject_reason(url)
        if reason:
            self.rejected[reason] += 1
            return False
        if parts.query and not counted:
            self._query_variants[parts.path] += 1
            if listing_page:
                self._listing_variants.add(variant)
        self._templates[path_template(url)] += 1
        return True

    def _reject_reason(self, url: str) -> str | None:
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if len(url) > MAX_URL_LENGTH:
            return "url-too-long"
        if len(segments) > MAX_PATH_SEGMENTS:
            return "too-deep-path"
        if segments and max(Counter(segments).values()) > MAX_REPEATED_SEGMENT:
            return "repeated-segments"
        if parts.query and self._query_variants[parts.path] >= MAX_QUERY_VARIANTS_PER_PATH:
            return "query-variants"
        if CALENDAR_PATH.search(parts.path) and self._templates[path_template(url)] >= MAX_CALENDAR_PAGES:
            return "calendar"
        return None
