"""The site-profile layer: CSS or XPath selectors from a profile, read before any generic layer."""

from __future__ import annotations

from functools import cache
from typing import Any

from cssselect import GenericTranslator, SelectorError
from lxml import etree, html

from archiver.extraction.text import clean_whitespace
from archiver.sites import SiteProfile


@cache
def compiled(selector: str) -> etree.XPath:
    """An XPath for a selector: XPath as given when it starts with '/', '(', './' or '..', else CSS translated
    (so '.entry-content p' is CSS, './/div' is XPath)."""
    if selector.startswith(("/", "(", "./", "..")):
        return etree.XPath(selector)
    try:
        return etree.XPath(GenericTranslator().css_to_xpath(selector, prefix="descendant-or-self::"))
    except SelectorError as exc:
        raise ValueError(f"bad CSS selector {selector!r}: {exc}") from exc


def select(tree: html.HtmlElement, selector: str) -> list[Any]:
    """Matched elements or strings (an XPath may select attributes or text)."""
    try:
        return list(compiled(selector)(tree))
    except (ValueError, etree.XPathError):
        return []


def text_of(match: Any) -> str:
    if isinstance(match, str):
        return clean_whitespace(match)
    return clean_whitespace(match.text_content())


def first_text(tree: html.HtmlElement, profile: SiteProfile, field: str) -> str | None:
    selector = profile.selectors.get(field)
    if not selector:
        return None
    for match in select(tree, selector):
        if text := text_of(match):
            return text
    return None


def all_texts(tree: html.HtmlElement, profile: SiteProfile, field: str) -> list[str]:
    selector = profile.selectors.get(field)
    if not selector:
        return []
    return [t for m in select(tree, selector) if (t := text_of(m))]


def first_element(tree: html.HtmlElement, profile: SiteProfile, field: str) -> html.HtmlElement | None:
    selector = profile.selectors.get(field)
    if not selector:
        return None
    return next((m for m in select(tree, selector) if not isinstance(m, str)), None)
