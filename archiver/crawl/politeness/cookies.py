"""Scrapy's cookie middleware, with the public-suffix list read from the snapshot bundled with tldextract.

Scrapy refuses cookies set for a public suffix (`Domain=.co.uk`) by asking tldextract, which on a fresh cache
downloads the list from publicsuffix.org: an offline crawl then tries the network and logs tracebacks. The
bundled snapshot is enough for this check, and a crawl must reach nothing but the sites it archives.
"""

from __future__ import annotations

from collections.abc import Iterable
from http.cookiejar import Cookie
from typing import Any

from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.utils.httpobj import urlparse_cached
from tldextract import TLDExtract

# No cache directory (nothing written under ~/.cache), no URLs (never fetched): the snapshot only.
_SPLIT_OFFLINE = TLDExtract(cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True)


def is_public_suffix(domain: str) -> bool:
    """`co.uk`, `ly`, `blogspot.com`: names under which anyone may register, so no site may set cookies there."""
    return not _SPLIT_OFFLINE(domain).domain


class OfflineCookiesMiddleware(CookiesMiddleware):
    def _process_cookies(self, cookies: Iterable[Cookie], *, jar: Any, request: Any) -> None:
        hostname = urlparse_cached(request).hostname
        if hostname is None:
            return
        request_host = hostname.lower()
        for cookie in cookies:
            domain = cookie.domain.removeprefix(".")
            if domain and is_public_suffix(domain):
                # A cookie for a public suffix is kept only as a host-only cookie of that very host.
                if domain != request_host:
                    continue
                cookie.domain = request_host
            jar.set_cookie_if_ok(cookie, request)
