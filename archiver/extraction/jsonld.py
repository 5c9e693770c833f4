"""JSON-LD: the article object a page declares (NewsArticle and kin, also inside @graph)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml import html

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "BlogPosting",
        "Report",
        "LiveBlogPosting",
    }
)


# JSON-LD of a real article nests a few levels (graph, author, image); a block nested deeper than this is skipped
# before parsing, so neither the JSON parser nor the walks below can hit Python's recursion limit.
MAX_JSONLD_DEPTH = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def nesting_depth(text: str) -> int:
    """The deepest nesting of objects and arrays in JSON text (strings ignored), without parsing it."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub('""', text)):
        depth = depth + 1 if bracket in "[{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    return deepest


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _objects(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _objects(data["@graph"])


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type", [])
    return {str(t) for t in (value if isinstance(value, list) else [value])}


def article_object(tree: html.HtmlElement) -> dict[str, Any] | None:
    """The first JSON-LD object whose @type is an article type, or None. Broken JSON is skipped."""
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        text = script.text or ""
        if nesting_depth(text) > MAX_JSONLD_DEPTH:
            continue  # hostile or broken; the meta and content layers still give the article
        try:
            data = json.loads(text)
        except ValueError:
            try:  # CMSs sometimes emit raw newlines or trailing commas inside the block
                data = json.loads(text.replace("\n", " ").replace(",}", "}").replace(",]", "]"))
            except ValueError:
                continue
        for obj in _objects(data):
            if _types(obj) & ARTICLE_TYPES:
                return obj
    return None


def text_of(value: Any) -> str | None:
    """A plain string from a JSON-LD value that may be a string, a list, or an object with name/@value."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list) and value:
        return text_of(value[0])
    if isinstance(value, dict):
        return text_of(value.get("name") or value.get("@value") or value.get("url"))
    return None


def people(value: Any) -> list[str]:
    """Author names; organisations are not authors."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(item.strip())
        elif (
            isinstance(item, dict)
            and "Organization" not in _types(item)
            and "NewsMediaOrganization" not in _types(item)
        ):
            name = text_of(item.get("name"))
            if name:
                names.append(name)
    return [n for n in names if n]


def images(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    urls = []
    for item in items:
        url = (
            item
            if isinstance(item, str)
            else text_of(item.get("url") or item.get("contentUrl"))
            if isinstance(item, dict)
            else None
        )
        if url:
            urls.append(url)
    return urls


def keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [k for item in value if (k := text_of(item))]
    return []
