"""Tell article pages from listings (home, section, tag and archive pages)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

# URL shapes of article pages on Libyan sites (docs/sites.md): dated permalinks, numeric ids, long slugs.
ARTICLE_URL_PATTERNS = (
    re.compile(r"/(19|20)\d\d/\d{1,2}/(\d{1,2}/)?[^/]{8,}"),  # /2022/11/23/slug
    re.compile(r"/(news|article|articles|archives|story|post|node)/([\w-]+/)*\d{3,}/?$"),  # /news/libya/292227
    re.compile(r"/\d{3,}/[^/]{8,}/?$"),  # /33365/slug
    re.compile(r"[?&](p|id|article_id|news_id)=\d+"),  # ?p=383190, news.php?id=12
    re.compile(r"/\d{4,}\.html?$"),  # /libya-news/1239964.html
)
LISTING_URL_PATTERNS = (
    re.compile(r"/(category|tag|tags|section|author|page|search|feed|archive)(/|$|\?)"),
    re.compile(r"[?&](page|paged|s|cat)="),
)
MIN_ARTICLE_WORDS = 60


def url_looks_like_article(url: str, site_patterns: tuple[re.Pattern[str], ...] = ()) -> bool:
    """By URL shape: a registered site's own article patterns when it has them, else the common Libyan shapes."""
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    if site_patterns:
        return any(p.search(target) for p in site_patterns)
    return _common_article_shape(target)


def _common_article_shape(target: str) -> bool:
    if any(p.search(target) for p in LISTING_URL_PATTERNS):
        return False
    return any(p.search(target) for p in ARTICLE_URL_PATTERNS)


def link_density(tree: Any) -> float:
    """The share of a page's body text that is link text (listings are mostly links, articles mostly prose)."""
    body = tree.find("body")
    if body is None:
        return 1.0
    text = len(" ".join(body.text_content().split()))
    if text == 0:
        return 1.0
    links = sum(len(" ".join(a.text_content().split())) for a in body.iterfind(".//a"))
    return links / text


def is_article(
    article: dict[str, Any], url: str, link_density: float, site_patterns: tuple[re.Pattern[str], ...] = ()
) -> bool:
    """Decide from extracted fields and page shape: structured data first, then text mass and URL shape."""
    method = article["extraction"]["method"]
    words = len((article.get("body") or "").split())
    if not article.get("title") or words < 25:
        return False
    if method.get("title") == "json-ld":
        return True
    signals = 0
    signals += words >= MIN_ARTICLE_WORDS
    signals += article.get("published_at") is not None
    signals += url_looks_like_article(url, site_patterns)
    signals += link_density < 0.35
    return signals >= 3
