"""Pages of one listing, date archives and the dates a listing shows: what lets a crawl walk an outlet's history.

A "next page" (rel=next, /page/N/, ?page=N, an Arabic "التالي" link, a link inside a pagination nav) and a date
archive (/2019/05/, /2019/05/14/) keep the depth of the page that links them (ListingDepthMiddleware), so
DEPTH_LIMIT bounds hops away from listings, not how far back a listing goes.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import Request, Response
from scrapy.spidermiddlewares.depth import DepthMiddleware

from archiver.urls import LISTING_PAGE_PARAMS as PAGE_PARAMS

SAME_LEVEL_META = "archiver_same_level"  # a request that keeps the depth of the page that links it

PAGED_PATH = re.compile(r"/page/(\d+)/?$", re.I)
DATE_ARCHIVE_PATH = re.compile(r"^(?:/[\w-]+)?/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(?:(0?[1-9]|[12]\d|3[01])/)?$")
DATED_URL = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/")
NEXT_WORDS = (
    "التالي",
    "التالية",
    "الصفحة التالية",
    "المزيد",
    "الأقدم",
    "أقدم",
    "next",
    "next page",
    "older",
    "older posts",
    "older entries",
    "»",
    "›",
    "→",
)
PAGINATION_CLASSES = re.compile(r"\b(pagination|page-numbers|nav-links|pager|paging|wp-pagenavi|navigation)\b", re.I)
EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def page_number(url: str) -> int | None:
    """The page number a listing URL names (/page/7/, ?page=7, ?paged=7), None for a first page or no listing."""
    parts = urlsplit(url)
    if found := PAGED_PATH.search(parts.path):
        return int(found.group(1))
    for name, value in parse_qsl(parts.query):
        if name.lower() in PAGE_PARAMS and value.isdigit():
            return int(value)
    return None


def listing_of(url: str) -> str:
    """The listing a page belongs to: its URL without the page number (the first page's URL)."""
    parts = urlsplit(url)
    path = PAGED_PATH.sub("/", parts.path)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in PAGE_PARAMS])
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def is_date_archive(url: str, today: date | None = None) -> bool:
    """/2019/05/ or /2019/05/14/ (optionally under one prefix: /archive/2019/05/), not in the future."""
    found = DATE_ARCHIVE_PATH.match(urlsplit(url).path)
    if not found:
        return False
    year = int(found.group(1))
    return year <= (today or date.today()).year


def date_in_url(url: str) -> date | None:
    """The day a dated permalink names (/2019/05/14/slug), else None."""
    found = DATED_URL.search(urlsplit(url).path)
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


def archive_month(url: str) -> date | None:
    """The last day covered by a date archive URL (its day, or the month's first day: enough for --until)."""
    found = DATE_ARCHIVE_PATH.match(urlsplit(url).path)
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3) or 1))
    except ValueError:
        return None


def is_pagination_anchor(anchor: Any, url: str, base: str) -> bool:
    """Whether an <a> on `base` leads to another page of the same listing."""
    rel = (anchor.get("rel") or "").lower().split()
    if "next" in rel or "prev" in rel:
        return True
    if listing_of(url) != listing_of(base) or url == base:
        return False
    if page_number(url) is not None:
        return True
    text = " ".join(anchor.text_content().split()).lower().strip(" .")
    if text in NEXT_WORDS:
        return True
    for parent in anchor.iterancestors():
        if PAGINATION_CLASSES.search(" ".join((parent.get("class") or "", parent.get("id") or ""))):
            return True
    return bool(PAGINATION_CLASSES.search(anchor.get("class") or ""))


def last_page_number(tree: Any) -> int | None:
    """The highest page number a pagination nav shows (its digits, Eastern Arabic too), for an estimate."""
    best = None
    for anchor in tree.iterfind(".//a[@href]"):
        number = page_number(anchor.get("href", ""))
        if number is None:
            continue
        text = " ".join(anchor.text_content().split()).translate(EASTERN_DIGITS).replace(",", "")
        if text.isdigit():
            number = max(number, int(text))
        best = max(best or 0, number)
    return best


def listing_dates(tree: Any, links: list[str]) -> list[date]:
    """The days a listing page shows: <time datetime> elements and dated permalinks among its links."""
    days = []
    for element in tree.iterfind(".//time[@datetime]"):
        value = (element.get("datetime") or "")[:10]
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            continue
    days += [day for link in links if (day := date_in_url(link)) is not None]
    return days


class ListingDepthMiddleware(DepthMiddleware):
    """Scrapy's DepthMiddleware, except that a request marked SAME_LEVEL_META (another page of a listing, a date
    archive) keeps its source page's depth instead of adding one."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is not None and request.meta.pop(SAME_LEVEL_META, False):
            request.meta["depth"] = response.meta.get("depth", 0)
            self.stats.inc_value("archiver/listing_pages_followed")
            return request
        processed: Request | None = super().get_processed_request(request, response)
        return processed
