"""Layered article extraction: site profile rules, then JSON-LD, then OpenGraph/meta and <time>, then generic
main-content heuristics. Each field records which layer produced it (`extraction.method`), so a researcher can
trace any value. No I/O: bytes in, article fields out.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlsplit

from lxml import html

from archiver.extraction import content, jsonld, rules, sources
from archiver.extraction.bylines import author_names, authors_of, drop_credit_lines, is_site_name, site_names_of
from archiver.extraction.dates import find_date, parse_date
from archiver.extraction.dating import dates_of, fetched_at, iso
from archiver.extraction.meta import first, meta_values
from archiver.extraction.page import Page, parse_page
from archiver.extraction.text import clean_whitespace, content_hash, script_language
from archiver.extraction.titles import strip_site_name, title_of
from archiver.records import ARTICLE_FIELDS as RECORD_FIELDS
from archiver.records import SCHEMA_VERSION
from archiver.sites import SiteProfile
from archiver.urls import normalize_url

# The article's own fields, in order: what `extract` returns (the crawl adds `capture`); archiver/records owns them.
ARTICLE_FIELDS = RECORD_FIELDS
EXTRACTOR_VERSION = "generic-1"


def article_id(url: str) -> str:
    """Stable across versions: derived from the normalised URL only."""
    return hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:24]


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


class _Body(NamedTuple):
    paragraphs: list[str]
    original_source: dict[str, Any] | None
    original_container: html.HtmlElement | None  # the text's container in the page as parsed (dates, images)
    how: str
    byline: str | None = None


def _body(
    tree: html.HtmlElement,
    profile: SiteProfile | None,
    layer: str,
    title: str | None,
    site_names: list[str],
    host: str,
    url: str,
) -> _Body:
    """The article's paragraphs, its aggregator source, and where they were found."""
    original_body = tree.find("body") if tree.find("body") is not None else tree
    work = copy.deepcopy(original_body)  # boilerplate is cut from a copy; dates and bylines stay readable
    twins = dict(zip(work.iter(), original_body.iter(), strict=False))
    container = rules.first_element(work, profile, "body") if profile else None
    original_profiled = twins.get(container) if container is not None else None
    if container is not None:
        content.strip_boilerplate(container)
        container, how = rules.split_at_breaks(container), layer
    else:
        container, how = content.main_container(work)
    extra = profile.boilerplate_patterns if profile else ()
    items = content.paragraph_items(container, extra) if container is not None else []
    items = content.drop_head_lines(items, title)  # the headline, a kicker or the date inside the text's container
    paragraphs, original_source = sources.lift_source(items, url)
    paragraphs, byline = drop_credit_lines(paragraphs, site_names, host)
    original = original_profiled if original_profiled is not None else twins.get(container)
    return _Body(paragraphs, original_source, original, how, byline)


def extract_article(
    body: bytes, url: str, headers: Mapping[str, str] | None = None, profile: SiteProfile | None = None
) -> dict[str, Any]:
    """The article on one page; `profile` is the site's (the caller looks it up: extraction reads no files),
    None runs the generic layers alone, as for a site nobody registered."""
    return extract_from_page(parse_page(body, url, headers), headers, profile)


def extract_from_page(
    page: Page, headers: Mapping[str, str] | None = None, profile: SiteProfile | None = None
) -> dict[str, Any]:
    tree = page.tree
    obj = jsonld.article_object(tree)
    meta = meta_values(tree)
    method: dict[str, str] = {}
    layer = f"profile:{profile.id}" if profile else "profile"
    host = urlsplit(page.url).hostname or ""
    site_names = site_names_of(obj, meta, tree, profile)

    title, method["title"] = title_of(obj, meta, tree)
    if profile and (ruled := rules.first_text(tree, profile, "title")):
        title, method["title"] = strip_site_name(ruled, site_names), layer
    elif title:
        title = strip_site_name(title, site_names)
    authors, method["authors"] = authors_of(obj, meta, tree, lambda name: not is_site_name(name, site_names, host))
    if profile and (names := rules.all_texts(tree, profile, "authors")):
        authors, method["authors"] = author_names(names), layer
    authors = [a for a in authors if not is_site_name(a, site_names, host)]

    body = _body(tree, profile, layer, title, site_names, host, page.url)
    original_source, original_container = body.original_source, body.original_container
    if body.byline and not authors:
        byline_names = [a for a in author_names([body.byline]) if not is_site_name(a, site_names, host)]
        authors, method["authors"] = byline_names, body.how
    body_text = "\n\n".join(body.paragraphs)
    method["body"] = body.how if body_text else "none"
    method["original_source"] = "source-line" if original_source else "none"
    if (
        obj
        and (ld_body := jsonld.text_of(obj.get("articleBody")))
        and content.json_ld_body_is_better(body_text, ld_body)
    ):
        body_text, method["body"] = ld_body.strip(), "json-ld"

    reference = fetched_at(headers)
    published, updated, method["published_at"] = dates_of(obj, meta, tree, original_container, reference, page.url)
    raw_date = rules.first_text(tree, profile, "published_at") if profile else None
    if raw_date and (
        ruled_date := parse_date(raw_date, reference=reference) or find_date(raw_date, reference=reference)
    ):
        published, method["published_at"] = iso(ruled_date), layer
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
        "images": _images(obj, meta, original_container, page.url),
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
