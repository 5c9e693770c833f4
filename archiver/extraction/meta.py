"""OpenGraph, article:* and plain <meta> values of a page."""

from __future__ import annotations

from lxml import etree, html

_WITH_CONTENT = etree.XPath("//*[@content][@property or @name or @itemprop]")


def meta_values(tree: html.HtmlElement) -> dict[str, list[str]]:
    """Values of <meta property|name|itemprop=... content=...>, and of RDFa/microdata attributes on other elements
    (Drupal's `<span property="dc:date dc:created" content="...">`), keys lower-cased, in document order."""
    found: dict[str, list[str]] = {}
    for element in _WITH_CONTENT(tree):
        keys = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content")
        if not keys or not content or not content.strip() or (element.tag != "meta" and element.get("name")):
            continue
        for key in keys.split():
            found.setdefault(key.strip().lower(), []).append(content.strip())
    return found


def first(values: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        if values.get(key):
            return values[key][0]
    return None
