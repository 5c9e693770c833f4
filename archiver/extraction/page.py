"""A fetched page, decoded and parsed once, shared by extraction and link discovery."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree, html

from archiver.extraction.encoding import DecodedPage, decode_html

MAX_PARSE_CHARS = 4_000_000  # beyond this a page is not a news article; parse the head of it only
# libxml2 drops everything below its depth limit (256, or 2048 with huge_tree) without an exception. A page nested
# deeper is parsed again without its layout wrappers, then with only the tags that carry an article and its links.
_LAYOUT_TAGS = re.compile(
    r"</?(?:div|span|section|font|center|table|tbody|thead|tfoot|tr|td|th|b|i|u|em|strong|small|big|aside|nav"
    r"|header|footer|figure|figcaption|main|ul|ol|li|dl|dt|dd|blockquote|form|label|abbr|cite|code|pre|sub|sup)"
    r"\b[^>]*>",
    re.IGNORECASE,
)
_KEPT_TAGS = re.compile(
    r"</?(?!(?:html|head|body|title|meta|link|script|article|p|a|h[1-6]|time|br)\b)[a-z][^>]*>", re.IGNORECASE
)
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
    tree, too_deep = _parse(text, url)
    for flatten in (_LAYOUT_TAGS, _KEPT_TAGS):
        if not too_deep:
            break
        tree, too_deep = _parse(flatten.sub(" ", text), url)
    return Page(url=url, decoded=decoded, tree=tree)


def _parse(text: str, url: str) -> tuple[html.HtmlElement, bool]:
    """The parsed tree, and whether libxml2 hit its depth limit (and so lost the rest of the page)."""
    parser = html.HTMLParser(recover=True, huge_tree=True, remove_comments=True, default_doctype=False)
    try:
        tree = html.document_fromstring(text, parser=parser, base_url=url)
    except (etree.ParserError, ValueError):
        return html.document_fromstring("<html><body></body></html>", parser=parser, base_url=url), False
    too_deep = any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)
    return tree, too_deep
