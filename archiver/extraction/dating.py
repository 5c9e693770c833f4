"""Publication and update dates, layer by layer, and the capture time relative dates count back from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree, html

from archiver.extraction import jsonld
from archiver.extraction.dates import LIBYA_TZ, find_date, parse_date
from archiver.extraction.meta import first
from archiver.extraction.text import clean_whitespace

DATE_CLASS = etree.XPath(
    ".//*[contains(@class, 'date') or contains(@class, 'time') or contains(@class, 'publish')"
    " or contains(@class, 'posted')]"
)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def dates_of(
    obj: dict[str, Any] | None,
    meta: dict[str, list[str]],
    tree: html.HtmlElement,
    body_container: html.HtmlElement | None,
    reference: datetime | None = None,
) -> tuple[str | None, str | None, str]:
    """Publication and update dates, and the layer that gave them. `reference` (when the page was fetched)
    resolves relative dates such as 'منذ ساعتين'."""
    if obj and (raw := jsonld.text_of(obj.get("datePublished"))) and (published := parse_date(raw)):
        modified = jsonld.text_of(obj.get("dateModified"))
        return iso(published), iso(parse_date(modified) if modified else None), "json-ld"
    raw_meta = first(
        meta,
        "article:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "date",
        "dc.date",
        "dc:date",
        "dc:created",
        "dcterms.created",
    )
    if raw_meta and (published := parse_date(raw_meta)):
        modified = first(meta, "article:modified_time", "datemodified", "og:updated_time")
        return iso(published), iso(parse_date(modified) if modified else None), "meta"
    scope = (
        body_container.getparent() if body_container is not None and body_container.getparent() is not None else tree
    )
    for time_el in list(scope.iter("time")) + list(tree.iter("time")):
        value = time_el.get("datetime") or time_el.text_content()
        if value and (published := parse_date(value, reference=reference)):
            return iso(published), None, "html-time"
    # A date element of the article's own header (class 'date', 'time', 'published'...), next to the text.
    region = body_container.getparent() if body_container is not None else None
    if region is not None and region.getparent() is not None and region.tag not in ("body", "html"):
        region = region.getparent()
    for element in DATE_CLASS(region) if region is not None else []:
        if published := find_date(clean_whitespace(" ".join(element.itertext())), reference=reference):
            return iso(published), None, "html-date-class"
    # A dateline at the top of the text, or in the cells/blocks just around it (legacy table layouts).
    element = body_container
    for _level in range(3):
        if element is None:
            break
        if published := find_date(clean_whitespace(" ".join(element.itertext()))[:400], reference=reference):
            return iso(published), None, "dateline"
        element = element.getparent()
    return None, None, "none"


def fetched_at(headers: Mapping[str, str] | None) -> datetime | None:
    """The server's Date header: the capture time that relative dates count back from."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == "date"), None)
    try:
        return parsedate_to_datetime(value).astimezone(LIBYA_TZ) if value else None
    except (TypeError, ValueError):
        return None
