"""Aggregator source lines: who first published a repost (docs/sites.md), lifted out of the body into
`original_source`. Lines are matched whole, on the paragraph texts of the article body."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from lxml import html

# A line naming the source, with the group holding its name. Order matters: the explicit 'مصدر الخبر' line wins.
SOURCE_LINES = (
    re.compile(r"^مصدر الخبر\s*[/:|]\s*(?P<name>.{2,80}?)\s*$"),
    re.compile(r"^(?:يمكنك|يمكنكم)\s+(?:ايضا|أيضا|أيضاً|ايضاً)\s+قراءة الخبر في المصدر من\s*:?\s*(?P<name>.{2,80}?)\s*$"),
    re.compile(r"^(?:The post\s+)?.{3,400}?\s+(?:appeared first|first appeared) on\s+(?P<name>.{2,80}?)\s*\.?\s*$"),
    re.compile(r"^(?:المصدر|Source)\s*:\s*(?P<name>.{2,80}?)\s*$", re.I),
)
# 'المصدر من موقع بوابة الوسط': the word for 'website' introduces the name and is not part of it.
WEBSITE_WORD = re.compile(r"^(?:موقع|الموقع)\s+(?=\S)")
# Lines that belong to the source box but name nothing new (dropped from the body).
SOURCE_BOX_HEADINGS = re.compile(r"^(عن مصدر الخبر|About the source)\s*:?$", re.I)


def lift_source(items: list[tuple[str, html.HtmlElement]], base_url: str) -> tuple[list[str], dict[str, Any] | None]:
    """(body paragraphs without source lines, {name, url} of the original source or None)."""
    kept: list[str] = []
    source: dict[str, Any] | None = None
    skip_next = False
    for text, element in items:
        if skip_next:
            skip_next = False
            if source and text.strip() == source["name"]:
                continue
        if SOURCE_BOX_HEADINGS.match(text):
            skip_next = True
            continue
        match = next((m for pattern in SOURCE_LINES if (m := pattern.match(text))), None)
        if match is None:
            kept.append(text)
            continue
        name = WEBSITE_WORD.sub("", match.group("name").strip(" .«»\"'")).strip(" .«»\"'")
        if source is None:
            link = element.find(".//a[@href]") if element is not None else None
            url = urljoin(base_url, link.get("href")) if link is not None else None
            source = {"name": name, "url": url}
        elif source["url"] is None and element is not None and (link := element.find(".//a[@href]")) is not None:
            source["url"] = urljoin(base_url, link.get("href"))
    return kept, source
