"""Titles as published, without the site name a page joins to them."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from lxml import html

from archiver.extraction import jsonld
from archiver.extraction.meta import first
from archiver.extraction.text import clean_whitespace

TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—»]|::?)\s+")
# A character reference left in a value: CMSs escape titles twice ('&amp;quot;' in the markup, '&quot;' once parsed).
CHARACTER_REFERENCE = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});", re.I)


def plain_title(text: str) -> str:
    """Whitespace collapsed and character references that survived parsing decoded ('&quot;' -> '"')."""
    text = clean_whitespace(text)
    for _round in range(2):  # a value escaped twice at most (a CMS escaping an already escaped title)
        if not CHARACTER_REFERENCE.search(text):
            break
        text = clean_whitespace(unescape(text))
    return text


def strip_site_name(title: str, site_names: list[str], *, from_title_tag: bool = False) -> str:
    """Drop a site name joined to the title by a separator ('... - الساحل نيوز', 'Site :: ...').

    A part equal to a known site name (og:site_name, the JSON-LD publisher) always goes. From a bare <title>, where
    a site name is conventional, a short first or last part (under 40% of the whole) goes too.
    """
    parts = [p.strip() for p in TITLE_SEPARATORS.split(title)]
    if len(parts) < 2:
        return title
    names = {clean_whitespace(n).lower() for n in site_names if n}
    kept = [p for p in parts if p.lower() not in names]
    if len(kept) == len(parts) and from_title_tag:
        longest = max(parts, key=len)
        if len(title) - len(longest) <= len(title) * 0.4:
            kept = [longest]
    if not kept:
        return title
    start, end = title.find(kept[0]), title.rfind(kept[-1]) + len(kept[-1])
    return title[start:end].strip()


def title_of(obj: dict[str, Any] | None, meta: dict[str, list[str]], tree: html.HtmlElement) -> tuple[str | None, str]:
    site_names = [first(meta, "og:site_name") or "", (jsonld.text_of((obj or {}).get("publisher")) or "")]
    if obj and (headline := jsonld.text_of(obj.get("headline") or obj.get("name"))):
        return strip_site_name(plain_title(headline), site_names), "json-ld"
    if og := first(meta, "og:title", "twitter:title"):
        return strip_site_name(plain_title(og), site_names), "meta"
    h1 = tree.find(".//h1")
    if h1 is not None and (text := plain_title(h1.text_content())):
        return text, "html"
    title = tree.find(".//title")
    if title is not None and (text := plain_title(title.text_content())):
        return strip_site_name(text, site_names, from_title_tag=True), "html"
    return None, "none"
