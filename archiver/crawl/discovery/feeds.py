"""What sitemaps, feeds and WordPress's public post API list, read from their bytes: links with the dates they give.
No requests and no crawl state here: the spider decides what of it to fetch."""

from __future__ import annotations

import email.utils
import json
from datetime import date, datetime
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

FEED_DATES = ("updated", "modified", "pubDate", "published", "date", "lastmod")  # RSS, Atom, Dublin Core


class Listed(NamedTuple):
    """One entry of a feed or post API page: its link as written, and the date it gives (text), if any."""

    link: str
    dated: str | None


def feed_entries(body: bytes) -> list[Listed] | None:
    """The items of an RSS or Atom feed (each item's link, or an entry's `alternate` links), with the first date each
    names; None when the bytes are no XML at all. Entities are never resolved and nothing is fetched."""
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, recover=True))
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    entries: list[Listed] = []
    for element in root.iter():
        tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
        if tag not in ("item", "entry"):
            continue
        children = {etree.QName(c).localname: c for c in element if isinstance(c.tag, str)}
        dated = next((children[n].text for n in FEED_DATES if n in children and children[n].text), None)
        if tag == "item":
            link = children["link"].text if "link" in children else None
            if link:
                entries.append(Listed(link.strip(), dated))
        else:
            for child in element:
                is_link = isinstance(child.tag, str) and etree.QName(child).localname == "link"
                if is_link and child.get("rel", "alternate") == "alternate" and child.get("href"):
                    entries.append(Listed(child.get("href").strip(), dated))
    return entries


def api_posts(body: bytes) -> list[Listed]:
    """The posts of one page of WordPress's post API (`/wp-json/wp/v2/posts?page=N`): each post's `link` and its
    `date_gmt` (else `date`). Empty for an empty page, a page past the end, or anything that is not such a list."""
    try:
        posts = json.loads(body)
    except ValueError:
        return []
    if not isinstance(posts, list):
        return []
    return [
        Listed(post["link"], str(post.get("date_gmt") or post.get("date") or "") or None)
        for post in posts
        if isinstance(post, dict) and isinstance(post.get("link"), str)
    ]


def with_page(url: str, number: int) -> str:
    """`url` asking for page `number` (its `page` query parameter replaced, the others kept in order)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "page"] + [("page", str(number))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


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


def day_of(text: str) -> date | None:
    """The day an ISO 8601 date or time text starts with; None when it starts with none."""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
