"""A fetched page, decoded and parsed once, shared by extraction and link discovery."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree, html

from archiver.extraction.encoding import DecodedPage, decode_html

MAX_PARSE_CHARS = 4_000_000  # beyond this a page is not a news article; parse the head of it only
# lxml refuses decoded text that still declares an encoding ('<?xml version="1.0" encoding="utf-8"?>' before an
# XHTML doctype): the text is already decoded, so the declaration is skipped for parsing (never in the archive).
XML_DECLARATION = re.compile(r"\A(?:\ufeff)?\s*<\?xml\b[^>]*\?>", re.I)


@dataclass
class Page:
    url: str
    decoded: DecodedPage
    tree: html.HtmlElement


def parse_page(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> Page:
    """Decode (charset chosen and recorded) and parse leniently; never raises on bad markup."""
    decoded = decode_html(body, headers)
    text = XML_DECLARATION.sub("", decoded.text[:MAX_PARSE_CHARS], count=1)
    parser = html.HTMLParser(recover=True, huge_tree=False, remove_comments=True, default_doctype=False)
    try:
        tree = html.document_fromstring(text, parser=parser, base_url=url)
    except (etree.ParserError, ValueError):
        tree = html.document_fromstring("<html><body></body></html>", parser=parser, base_url=url)
    return Page(url=url, decoded=decoded, tree=tree)
