"""Authors: bylines, JSON-LD and meta people, and the names that sign for the outlet rather than a person."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree, html

from archiver.extraction import jsonld
from archiver.extraction.meta import first
from archiver.extraction.text import clean_whitespace
from archiver.extraction.titles import TITLE_SEPARATORS
from archiver.sites import SiteProfile

BYLINE_PREFIX = re.compile(r"^\s*(?:(?:written\s+|posted\s+)?by\b|بقلم|بواسطة|كتبه|كتب|إعداد|تقرير)\s*:?\s*", re.I)
# A byline's date tail: 'Name on 3 September 2018', 'الاسم في 3 سبتمبر، 2018', 'Name | Nov 18, 2019'.
BYLINE_DATE_TAIL = re.compile(r"\s+(?:on|في|updated|published)\s+(?=\d|[A-Z][a-z]{2})|\s+[|•·]\s+", re.I)
# Byline elements: rel=author, or a class word 'author', 'byline' or 'author-name' (a cheap substring filter in
# XPath, the exact class word checked in Python).
BYLINE_CANDIDATES = etree.XPath(
    "//*[@rel='author' or @itemprop='author' or contains(@class, 'author') or contains(@class, 'byline')"
    " or contains(@class, 'writer')]"
)
BYLINE_CLASS = re.compile(
    r"^(?:author|byline|writer)(?:[-_]{1,2}(?:name|link|title|info|names))?$|^[\w-]*[-_](?:author|byline)(?:[-_]{1,2}name)?$",
    re.I,
)
# Meta names that carry the author, most trusted first (a value that is a URL is a profile page, not a name).
AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "dcterms.creator", "byl")
# Bylines that sign for a desk or the whole outlet, not a person: 'Jerusalem Post Staff', 'هيئة التحرير'.
ORGANISATION_BYLINE = re.compile(
    r"(?:^|\s)(?:staff|staffers|reporters?|team|desk|newsroom|editors|editorial(?:\s+(?:staff|board|team))?|"
    r"news\s+(?:desk|service|agency)|wire\s+services?)$|"
    r"^(?:هيئة|أسرة|اسرة|فريق|قسم)\s+(?:ال)?(?:تحرير|أخبار|اخبار)|^المحرر(?:ة)?$|^التحرير$|^وكالات$",
    re.I,
)
AUTHOR_SEPARATORS = re.compile(r"\s+(?:and|&|و)\s+|\s*،\s*", re.I)


def author_names(texts: list[str]) -> list[str]:
    """Names from byline texts: 'By A and B.' -> ['A', 'B']; prefixes and closing punctuation dropped."""
    names: list[str] = []
    for text in texts:
        bare = BYLINE_DATE_TAIL.split(BYLINE_PREFIX.sub("", clean_whitespace(text)))[0].strip(" .,:;-–|")
        names += [n.strip(" .,:;-–|") for n in AUTHOR_SEPARATORS.split(bare) if n.strip(" .,:;-–|")]
    return names


def authors_of(
    obj: dict[str, Any] | None,
    meta: dict[str, list[str]],
    tree: html.HtmlElement,
    is_person: Callable[[str], bool] = lambda name: True,
) -> tuple[list[str], str]:
    """Author names and the layer that gave them. A layer whose names all fail `is_person` (the outlet's own name
    in meta author, a desk byline) gives way to the next one."""
    if obj and (names := [n for n in author_names(jsonld.people(obj.get("author"))) if is_person(n)]):
        return names, "json-ld"
    for key in AUTHOR_META:
        values = [v for v in meta.get(key, []) if not v.startswith(("http://", "https://", "@"))]
        if names := [n for n in author_names(values) if is_person(n)]:
            return names, "meta"
    bylines = [
        element
        for element in BYLINE_CANDIDATES(tree)
        if element.get("rel") == "author"
        or element.get("itemprop") == "author"
        or any(BYLINE_CLASS.match(t) for t in (element.get("class") or "").split())
    ]
    found = set(bylines)
    for element in bylines:
        if any(inner in found for inner in element.iterdescendants()):
            continue  # 'By <span class="author">Name</span> on <date>': the inner element holds the name alone
        text = clean_whitespace(element.text_content())
        if not text or len(text) > 80 or not (names := author_names([text])):
            continue
        # The first byline with names is the article's own; later ones belong to other posts (sidebars, teasers).
        people = [n for n in names if is_person(n) and not any(c.isdigit() for c in n)]
        return (people, "html") if people else ([], "none")
    return [], "none"


# Names that sign for the outlet, not for a person.
GENERIC_HANDLES = frozenset(
    {
        "admin",
        "administrator",
        "editor",
        "editorial",
        "staff",
        "webmaster",
        "newsroom",
        "المحرر",
        "التحرير",
        "فريقالتحرير",
        "هيئةالتحرير",
        "إدارةالموقع",
        "المحررة",
    }
)
BYLINE_LINE = re.compile(r"^(?:(?:written\s+)?by\b|بقلم|كتب)\s*:?\s*\S.{0,70}$", re.I)
_NOT_WORD = re.compile(r"[\W_]+")


def _squash(name: str) -> str:
    return _NOT_WORD.sub("", name).lower()


def site_names_of(
    obj: dict[str, Any] | None, meta: dict[str, list[str]], tree: html.HtmlElement, profile: SiteProfile | None
) -> list[str]:
    """Names the outlet signs with: og:site_name, application-name, the JSON-LD publisher, the site part of
    <title>, and the profile's own list."""
    names = [first(meta, "og:site_name"), first(meta, "application-name"), jsonld.text_of((obj or {}).get("publisher"))]
    title = tree.find(".//title")
    if title is not None and (text := clean_whitespace(title.text_content())):
        parts = [p.strip() for p in TITLE_SEPARATORS.split(text)]
        if len(parts) > 1:
            names += [p for p in (parts[0], parts[-1]) if len(p) <= 40 and len(p) < len(text) * 0.5]
    names += list(profile.site_names if profile else ())
    return [n for n in names if n]


def is_site_name(name: str, site_names: list[str], host: str) -> bool:
    key = _squash(name)
    labels = [label for label in host.lower().split(".") if label not in ("www", "en", "ar", "m")]
    if not key or key in GENERIC_HANDLES or key in labels[:1] or ORGANISATION_BYLINE.search(clean_whitespace(name)):
        return True
    # 'Libya Herald reporters', 'المرصد' for 'صحيفة المرصد الليبية': the outlet's name inside, or inside it.
    squashed = [_squash(n) for n in site_names]
    return any(n and (n in key or (len(key) >= 4 and key in n)) for n in squashed)


def drop_credit_lines(paragraphs: list[str], site_names: list[str], host: str) -> tuple[list[str], str | None]:
    """Drop credit lines that only name the outlet, and a byline line at the top (returned, for the authors)."""
    byline = None
    kept = []
    for index, text in enumerate(paragraphs):
        if is_site_name(text, site_names, host) and len(text) <= 40:
            continue
        if index < 2 and byline is None and BYLINE_LINE.match(text):
            byline = text
            continue
        kept.append(text)
    return kept, byline
