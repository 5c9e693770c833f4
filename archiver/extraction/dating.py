"""Publication and update dates, layer by layer, and the capture time relative dates count back from.

Order of trust: JSON-LD, then the page's date meta (`PUBLISHED_META`, in that order) and microdata, then the
page's visible dates: <time> elements, a date in the URL, date-classed elements near the text, a dateline at the
top of the text. An absolute date anywhere among the visible ones beats a relative one ('منذ ساعتين',
'yesterday'): only when no layer holds an absolute date is a relative one counted back from the capture time. The
capture time and HTTP headers are never a date themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree, html

from archiver.extraction import jsonld
from archiver.extraction.dates import LIBYA_TZ, find_date, parse_date
from archiver.extraction.meta import first
from archiver.extraction.text import clean_whitespace

# Meta names and properties that carry the publication date, most trusted first (keys are lower-cased).
PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "date",
    "dc.date",
    "dc.date.issued",
    "dc:date",
    "dc:created",
    "dcterms.created",
    "dcterms.date",
    "dcterms.issued",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "citation_publication_date",
    "cxenseparse:recs:publishtime",
    "original-publish-date",
    "release_date",
)
MODIFIED_META = ("article:modified_time", "datemodified", "og:updated_time", "dcterms.modified", "last-modified")
# Microdata without a content attribute (meta values already hold those): <time itemprop="datePublished"
# datetime=...>, <span itemprop="datePublished">18 November 2019</span>.
MICRODATA_PUBLISHED = etree.XPath("//*[@itemprop='datePublished' and not(@content)]")
DATE_CLASS = etree.XPath(
    ".//*[contains(@class, 'date') or contains(@class, 'time') or contains(@class, 'publish')"
    " or contains(@class, 'posted')]"
)
# /2019/11/18/, /2019-11-18/, /20191118/ in an article URL.
URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?=[/_\-.]|$)")
_Find = Callable[[str], datetime | None]


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def url_date(url: str) -> datetime | None:
    match = URL_DATE.search(url.split("?")[0])
    if not match:
        return None
    return parse_date("-".join(match.groups()))


def _visible(
    tree: html.HtmlElement, body_container: html.HtmlElement | None, read: _Find, read_value: _Find
) -> Iterator[tuple[datetime, str]]:
    """Visible dates of the page in order of trust, read by `read` (a text) or `read_value` (one value)."""
    scope = (
        body_container.getparent() if body_container is not None and body_container.getparent() is not None else tree
    )
    for time_el in list(scope.iter("time")) + list(tree.iter("time")):
        value = time_el.get("datetime") or time_el.text_content()
        if value and (published := read_value(value)):
            yield published, "html-time"
    # A date element of the article's own header (class 'date', 'time', 'published'...), next to the text.
    region = body_container.getparent() if body_container is not None else None
    if region is not None and region.getparent() is not None and region.tag not in ("body", "html"):
        region = region.getparent()
    for element in DATE_CLASS(region) if region is not None else []:
        if published := read(clean_whitespace(" ".join(element.itertext()))):
            yield published, "html-date-class"
    # A dateline at the top of the text, or in the cells/blocks just around it (legacy table layouts).
    element = body_container
    for _level in range(3):
        if element is None:
            break
        if published := read(clean_whitespace(" ".join(element.itertext()))[:400]):
            yield published, "dateline"
        element = element.getparent()


def dates_of(
    obj: dict[str, Any] | None,
    meta: dict[str, list[str]],
    tree: html.HtmlElement,
    body_container: html.HtmlElement | None,
    reference: datetime | None = None,
    url: str = "",
) -> tuple[str | None, str | None, str]:
    """Publication and update dates, and the layer that gave them ('json-ld', 'meta', 'microdata', 'html-time', 'url',
    'html-date-class', 'dateline', or 'relative:<layer>' for a date counted back from `reference`, the capture time)."""
    if obj and (raw := jsonld.text_of(obj.get("datePublished"))) and (published := parse_date(raw)):
        modified = jsonld.text_of(obj.get("dateModified"))
        return iso(published), iso(parse_date(modified) if modified else None), "json-ld"
    for key in PUBLISHED_META:
        for raw_meta in meta.get(key, []):
            if published := parse_date(raw_meta):
                modified = first(meta, *MODIFIED_META)
                return iso(published), iso(parse_date(modified) if modified else None), "meta"
    for element in MICRODATA_PUBLISHED(tree):
        value = element.get("datetime") or clean_whitespace(element.text_content())
        if value and (published := parse_date(value)):
            return iso(published), None, "microdata"
    visible = _visible(tree, body_container, find_date, parse_date)
    first_visible = next(visible, None)
    from_url = url_date(url)
    if first_visible and first_visible[1] == "html-time":
        return iso(first_visible[0]), None, first_visible[1]
    if from_url is not None:
        # The URL gives the day; a visible date of that same day adds the time.
        for published, how in ([first_visible] if first_visible else []) + list(visible):
            if published.date() == from_url.date():
                return iso(published), None, how
        return iso(from_url), None, "url"
    if first_visible:
        return iso(first_visible[0]), None, first_visible[1]
    if reference is not None:

        def relative(text: str) -> datetime | None:
            return find_date(text, reference=reference)

        def relative_value(text: str) -> datetime | None:
            return parse_date(text, reference=reference)

        for published, how in _visible(tree, body_container, relative, relative_value):
            return iso(published), None, f"relative:{how}"
    return None, None, "none"


def fetched_at(headers: Mapping[str, str] | None) -> datetime | None:
    """The server's Date header: the capture time that relative dates count back from (never a date itself)."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == "date"), None)
    try:
        return parsedate_to_datetime(value).astimezone(LIBYA_TZ) if value else None
    except (TypeError, ValueError):
        return None
