"""The site-profile layer: CSS or XPath selectors from a profile, read before any generic layer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from lxml import etree, html

from archiver.extraction.text import clean_whitespace
from archiver.profile_validation import compile_selector
from archiver.sites import SiteProfile


@cache
def compiled(selector: str) -> etree.XPath:
    """The selector compiled once per process (profiles were checked when they loaded, see
    archiver/profile_validation.py)."""
    return compile_selector(selector)


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


@dataclass(frozen=True)
class SelectorMatch:
    """What one profile selector matched on one page: how many elements (or strings), and the first texts."""

    field: str
    selector: str
    matches: int
    texts: tuple[str, ...]  # non-empty texts of the first few matches, shortened

    @property
    def hit(self) -> bool:
        """The selector found something with text (an empty element is no use to the field)."""
        return bool(self.texts)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "selector": self.selector, "matches": self.matches, "texts": list(self.texts)}


def check_selectors(tree: html.HtmlElement, profile: SiteProfile) -> list[SelectorMatch]:
    """Every selector of `profile` run on the page as the profile layer runs it (the body selector's first
    element, the others' matches): data for drift statistics and `archiver sites check`, no side effects."""
    found = []
    for name, selector in profile.selectors.items():
        matches = select(tree, selector)
        if name == "body":
            matches = [m for m in matches if not isinstance(m, str)][:1]
        texts: list[str] = []
        for match in matches:
            if len(texts) == MAX_SHOWN:
                break
            if text := text_of(match):
                texts.append(text)
        found.append(SelectorMatch(name, selector, len(matches), tuple(_shorten(t) for t in texts)))
    return found


MAX_SHOWN = 3
MAX_TEXT = 160


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def split_at_breaks(element: html.HtmlElement) -> html.HtmlElement:
    """A profile's text element that is one <p> holding every paragraph between <br>s (lana-news.ly's
    p.article_text) as a <div> of one <p> per paragraph; any other element as it is. Works on the extraction's
    working copy only: the archived page is never changed."""
    if element.tag != "p" or element.find(".//br") is None:
        return element
    for br in element.iter("br"):
        br.tail = "\n" + (br.tail or "")
    parts = [clean_whitespace(part) for part in element.text_content().split("\n")]
    div = html.Element("div")
    for part in filter(None, parts):
        paragraph = html.Element("p")
        paragraph.text = part
        div.append(paragraph)
    return div
