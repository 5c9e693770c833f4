"""Layered article extraction: JSON-LD, then OpenGraph/meta and <time>, then main-content heuristics.

Each field records which layer produced it (`extraction.method`), so a researcher can trace any value.
Site profiles (their own issue) will add a first layer above these.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree, html

from archiver.extraction import content, jsonld, rules, sources
from archiver.extraction.dates import LIBYA_TZ, find_date, parse_date
from archiver.extraction.meta import first, meta_values
from archiver.extraction.page import Page, parse_page
from archiver.extraction.text import clean_whitespace, content_hash, script_language
from archiver.sites import SiteProfile, profile_for_host
from archiver.urls import normalize_url

SCHEMA_VERSION = 1
EXTRACTOR_VERSION = "generic-1"
TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—»]|::?)\s+")
BYLINE_PREFIX = re.compile(r"^\s*(?:(?:written\s+)?by\b|بقلم|كتبه|كتب|إعداد|تقرير)\s*:?\s*", re.I)
# Byline elements: rel=author, or a class word 'author', 'byline' or 'author-name' (a cheap substring filter in
# XPath, the exact class word checked in Python).
BYLINE_CANDIDATES = etree.XPath("//*[@rel='author' or contains(@class, 'author') or contains(@class, 'byline')]")
BYLINE_CLASSES = frozenset({"author", "byline", "author-name"})


def article_id(url: str) -> str:
    """Stable across versions: derived from the normalised URL only."""
    return hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:24]


def _strip_site_name(title: str, site_names: list[str], *, from_title_tag: bool = False) -> str:
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


def _title(obj: dict[str, Any] | None, meta: dict[str, list[str]], tree: html.HtmlElement) -> tuple[str | None, str]:
    site_names = [first(meta, "og:site_name") or "", (jsonld.text_of((obj or {}).get("publisher")) or "")]
    if obj and (headline := jsonld.text_of(obj.get("headline") or obj.get("name"))):
        return _strip_site_name(clean_whitespace(headline), site_names), "json-ld"
    if og := first(meta, "og:title", "twitter:title"):
        return _strip_site_name(clean_whitespace(og), site_names), "meta"
    h1 = tree.find(".//h1")
    if h1 is not None and (text := clean_whitespace(h1.text_content())):
        return text, "html"
    title = tree.find(".//title")
    if title is not None and (text := clean_whitespace(title.text_content())):
        return _strip_site_name(text, site_names, from_title_tag=True), "html"
    return None, "none"


DATE_CLASS = etree.XPath(
    ".//*[contains(@class, 'date') or contains(@class, 'time') or contains(@class, 'publish')"
    " or contains(@class, 'posted')]"
)
AUTHOR_SEPARATORS = re.compile(r"\s+(?:and|&|و)\s+|\s*،\s*", re.I)


def author_names(texts: list[str]) -> list[str]:
    """Names from byline texts: 'By A and B.' -> ['A', 'B']; prefixes and closing punctuation dropped."""
    names: list[str] = []
    for text in texts:
        bare = BYLINE_PREFIX.sub("", clean_whitespace(text)).strip(" .,:;-–|")
        names += [n.strip(" .,:;-–|") for n in AUTHOR_SEPARATORS.split(bare) if n.strip(" .,:;-–|")]
    return names


def _authors(obj: dict[str, Any] | None, meta: dict[str, list[str]], tree: html.HtmlElement) -> tuple[list[str], str]:
    if obj and (names := jsonld.people(obj.get("author"))):
        return author_names(names), "json-ld"
    names = [v for v in meta.get("author", []) + meta.get("article:author", []) if not v.startswith("http")]
    if names:
        return author_names(names), "meta"
    for element in BYLINE_CANDIDATES(tree):
        if element.get("rel") != "author" and not BYLINE_CLASSES & set((element.get("class") or "").split()):
            continue
        text = clean_whitespace(element.text_content())
        if text and len(text) <= 80 and (names := author_names([text])):
            return names, "html"
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


def _site_names(
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


def _is_site_name(name: str, site_names: list[str], host: str) -> bool:
    key = _squash(name)
    labels = [label for label in host.lower().split(".") if label not in ("www", "en", "ar", "m")]
    if not key or key in GENERIC_HANDLES or key in labels[:1]:
        return True
    # 'Libya Herald reporters', 'المرصد' for 'صحيفة المرصد الليبية': the outlet's name inside, or inside it.
    squashed = [_squash(n) for n in site_names]
    return any(n and (n in key or (len(key) >= 4 and key in n)) for n in squashed)


def _drop_credit_lines(paragraphs: list[str], site_names: list[str], host: str) -> tuple[list[str], str | None]:
    """Drop credit lines that only name the outlet, and a byline line at the top (returned, for the authors)."""
    byline = None
    kept = []
    for index, text in enumerate(paragraphs):
        if _is_site_name(text, site_names, host) and len(text) <= 40:
            continue
        if index < 2 and byline is None and BYLINE_LINE.match(text):
            byline = text
            continue
        kept.append(text)
    return kept, byline


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _dates(
    obj: dict[str, Any] | None,
    meta: dict[str, list[str]],
    tree: html.HtmlElement,
    body_container: html.HtmlElement | None,
    reference: datetime | None = None,
) -> tuple[str | None, str | None, str]:
    """Publication and update dates, and the layer that gave them. `reference` (when the page was fetched)
    resolves relative dates such as 'منذ ساعتين'."""
    if obj and (raw := jsonld.text_of(obj.get("datePublished"))) and (published := parse_date(raw)):
        modified = jsonld.text_of(obj.get("dateModified"))
        return _iso(published), _iso(parse_date(modified) if modified else None), "json-ld"
    raw_meta = first(
        meta,
        "article:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "date",
        "dc.date",
        "dc:date",
        "dc:created",
        "dcterms.created",
    )
    if raw_meta and (published := parse_date(raw_meta)):
        modified = first(meta, "article:modified_time", "datemodified", "og:updated_time")
        return _iso(published), _iso(parse_date(modified) if modified else None), "meta"
    scope = (
        body_container.getparent() if body_container is not None and body_container.getparent() is not None else tree
    )
    for time_el in list(scope.iter("time")) + list(tree.iter("time")):
        value = time_el.get("datetime") or time_el.text_content()
        if value and (published := parse_date(value, reference=reference)):
            return _iso(published), None, "html-time"
    # A date element of the article's own header (class 'date', 'time', 'published'...), next to the text.
    region = body_container.getparent() if body_container is not None else None
    if region is not None and region.getparent() is not None and region.tag not in ("body", "html"):
        region = region.getparent()
    for element in DATE_CLASS(region) if region is not None else []:
        if published := find_date(clean_whitespace(" ".join(element.itertext())), reference=reference):
            return _iso(published), None, "html-date-class"
    # A dateline at the top of the text, or in the cells/blocks just around it (legacy table layouts).
    element = body_container
    for _level in range(3):
        if element is None:
            break
        if published := find_date(clean_whitespace(" ".join(element.itertext()))[:400], reference=reference):
            return _iso(published), None, "dateline"
        element = element.getparent()
    return None, None, "none"


def _fetched_at(headers: Mapping[str, str] | None) -> datetime | None:
    """The server's Date header: the capture time that relative dates count back from."""
    value = next((v for k, v in (headers or {}).items() if k.lower() == "date"), None)
    try:
        return parsedate_to_datetime(value).astimezone(LIBYA_TZ) if value else None
    except (TypeError, ValueError):
        return None


def _images(
    obj: dict[str, Any] | None, meta: dict[str, list[str]], container: html.HtmlElement | None, base: str
) -> list[dict[str, str | None]]:
    seen: dict[str, str | None] = {}
    if container is not None:
        for img in container.iter("img"):
            src = img.get("src") or img.get("data-src")
            if not src or src.startswith("data:"):
                continue
            figure = next((a for a in img.iterancestors("figure")), None)
            caption_el = figure.find(".//figcaption") if figure is not None else None
            caption = clean_whitespace(caption_el.text_content()) if caption_el is not None else None
            seen.setdefault(urljoin(base, src), caption or clean_whitespace(img.get("alt") or "") or None)
    for src in (jsonld.images(obj.get("image")) if obj else []) + meta.get("og:image", []):
        seen.setdefault(urljoin(base, src), None)
    return [{"url": url, "caption": caption} for url, caption in seen.items()]


def _language(page: Page, meta: dict[str, list[str]], body: str, headers: Mapping[str, str] | None) -> str | None:
    declared = page.tree.get("lang") or first(meta, "og:locale", "content-language", "language")
    if not declared and headers:
        declared = next((v for k, v in headers.items() if k.lower() == "content-language"), None)
    from_script = script_language(body)
    if declared:
        code = declared.strip().lower().replace("_", "-").split("-")[0][:3]
        # A template's lang attribute is often left at 'en'; trust the text when it clearly disagrees.
        if from_script and code in ("ar", "en") and code != from_script:
            return from_script
        return code or from_script
    return from_script


def extract_article(
    body: bytes, url: str, headers: Mapping[str, str] | None = None, *, use_profiles: bool = True
) -> dict[str, Any]:
    """`use_profiles=False` runs the generic layers alone, as for a site nobody registered."""
    return extract_from_page(parse_page(body, url, headers), headers, use_profiles=use_profiles)


def extract_from_page(
    page: Page, headers: Mapping[str, str] | None = None, *, use_profiles: bool = True
) -> dict[str, Any]:
    tree = page.tree
    profile = profile_for_host(urlsplit(page.url).hostname) if use_profiles else None
    obj = jsonld.article_object(tree)
    meta = meta_values(tree)
    method: dict[str, str] = {}
    layer = f"profile:{profile.id}" if profile else "profile"
    host = urlsplit(page.url).hostname or ""
    site_names = _site_names(obj, meta, tree, profile)

    title, method["title"] = _title(obj, meta, tree)
    if profile and (ruled := rules.first_text(tree, profile, "title")):
        title, method["title"] = _strip_site_name(ruled, site_names), layer
    elif title:
        title = _strip_site_name(title, site_names)
    authors, method["authors"] = _authors(obj, meta, tree)
    if profile and (names := rules.all_texts(tree, profile, "authors")):
        authors, method["authors"] = author_names(names), layer
    authors = [a for a in authors if not _is_site_name(a, site_names, host)]

    original_body = tree.find("body") if tree.find("body") is not None else tree
    work = copy.deepcopy(original_body)  # boilerplate is cut from a copy; dates and bylines stay readable
    twins = dict(zip(work.iter(), original_body.iter(), strict=False))
    container = rules.first_element(work, profile, "body") if profile else None
    if container is not None:
        content.strip_boilerplate(container)
        how = layer
    else:
        content.strip_boilerplate(work)
        container, how = content.main_container(work)
    extra = profile.boilerplate_patterns if profile else ()
    items = content.paragraph_items(container, extra) if container is not None else []
    if title and items and items[0][0] == title:
        items = items[1:]  # the headline repeated inside the article element
    paragraphs, original_source = sources.lift_source(items, page.url)
    paragraphs, byline = _drop_credit_lines(paragraphs, site_names, host)
    if byline and not authors:
        authors, method["authors"] = [a for a in author_names([byline]) if not _is_site_name(a, site_names, host)], how
    body_text = "\n\n".join(paragraphs)
    method["body"] = how if body_text else "none"
    method["original_source"] = "source-line" if original_source else "none"
    if obj and (ld_body := jsonld.text_of(obj.get("articleBody"))) and len(ld_body) > len(body_text) * 1.3:
        body_text, method["body"] = ld_body.strip(), "json-ld"

    original_container = twins.get(container) if container is not None else None
    published, updated, method["published_at"] = _dates(obj, meta, tree, original_container, _fetched_at(headers))
    raw_date = rules.first_text(tree, profile, "published_at") if profile else None
    reference = _fetched_at(headers)
    if raw_date and (
        ruled_date := parse_date(raw_date, reference=reference) or find_date(raw_date, reference=reference)
    ):
        published, method["published_at"] = _iso(ruled_date), layer
    section = (jsonld.text_of(obj.get("articleSection")) if obj else None) or first(meta, "article:section")
    method["section"] = "json-ld" if obj and obj.get("articleSection") else ("meta" if section else "none")
    if profile and (ruled_section := rules.first_text(tree, profile, "section")):
        section, method["section"] = ruled_section, layer
    tags = (jsonld.keywords(obj.get("keywords")) if obj else []) or meta.get("article:tag", [])
    if profile and (ruled_tags := rules.all_texts(tree, profile, "tags")):
        tags = ruled_tags
    subtitle = jsonld.text_of(obj.get("alternativeHeadline")) if obj else None
    if profile and (ruled_subtitle := rules.first_text(tree, profile, "subtitle")):
        subtitle = ruled_subtitle
    canonical = tree.find(".//link[@rel='canonical']")
    canonical_url = (
        urljoin(page.url, canonical.get("href", "")) if canonical is not None and canonical.get("href") else None
    )

    return {
        "schema_version": SCHEMA_VERSION,
        "id": article_id(page.url),
        "url": page.url,
        "canonical_url": canonical_url,
        "site": profile.id if profile else (urlsplit(page.url).hostname or "").lower(),
        "language": _language(page, meta, f"{title or ''} {body_text}", headers),
        "title": title,
        "subtitle": clean_whitespace(subtitle) if subtitle else None,
        "authors": authors,
        "published_at": published,
        "updated_at": updated,
        "section": clean_whitespace(section) if section else None,
        "tags": [clean_whitespace(t) for t in tags],
        "body": body_text,
        "images": _images(obj, meta, original_container if original_container is not None else container, page.url),
        "original_source": original_source,
        "content_hash": content_hash(title, body_text),
        "extraction": {
            "method": method,
            "extractor_version": EXTRACTOR_VERSION,
            "encoding": {
                "name": page.decoded.encoding,
                "method": page.decoded.method,
                "repaired": page.decoded.repaired,
            },
        },
    }
