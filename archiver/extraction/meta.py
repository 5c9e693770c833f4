"""OpenGraph, article:* and plain <meta> values of a page."""

from __future__ import annotations

from lxml import html


def meta_values(tree: html.HtmlElement) -> dict[str, list[str]]:
    """All <meta property|name|itemprop=... content=...> values, keys lower-cased, in document order."""
    found: dict[str, list[str]] = {}
    for element in tree.iterfind(".//meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), []).append(content.strip())
    return found


def first(values: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        if values.get(key):
            return values[key][0]
    return None
