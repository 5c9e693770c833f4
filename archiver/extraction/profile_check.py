"""Extraction with its profile evidence: the article, and what each selector of the site's profile matched on
the page. Crawls count the evidence per site (selector drift in `archiver health`); `archiver sites check`
prints it for one page. No I/O: the selectors' results come back as data beside the article."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from archiver.extraction import rules
from archiver.extraction.article import extract_from_page
from archiver.extraction.page import Page, parse_page
from archiver.sites import SiteProfile


class Extraction(NamedTuple):
    article: dict[str, Any]
    profile: SiteProfile | None  # the profile whose rules ran, None for an unregistered site
    selectors: list[rules.SelectorMatch]  # one per selector of the profile, in the profile's order
    layers: dict[str, str]  # article field -> the layer that produced it ('none' when the field is empty)


def extract_with_evidence(
    page: Page, headers: Mapping[str, str] | None = None, profile: SiteProfile | None = None
) -> Extraction:
    """The article and what each selector of `profile` (the page's site's, looked up by the caller) matched."""
    article = extract_from_page(page, headers, profile)
    selectors = rules.check_selectors(page.tree, profile) if profile else []
    return Extraction(article, profile, selectors, layers_of(article, profile, selectors))


def layers_of(
    article: dict[str, Any], profile: SiteProfile | None, selectors: list[rules.SelectorMatch]
) -> dict[str, str]:
    """`extraction.method` where the extractor records it; for the other fields, the profile layer when its
    selector for the field found text (the profile's rules win whenever they match), else 'generic'."""
    recorded = (article.get("extraction") or {}).get("method") or {}
    hits = {match.field for match in selectors if match.hit}
    layers = {}
    for name in LAYER_FIELDS:
        if not article.get(name):
            layers[name] = "none"  # a layer may have found a value that a later filter emptied (a site name)
        elif name in recorded:
            layers[name] = str(recorded[name])
        elif profile is not None and name in hits and name in PROFILE_APPLIED:
            layers[name] = f"profile:{profile.id}"
        else:
            layers[name] = "generic"
    return layers


LAYER_FIELDS = (
    "title",
    "subtitle",
    "authors",
    "published_at",
    "updated_at",
    "section",
    "tags",
    "body",
    "images",
    "original_source",
    "language",
)
# Selector fields the profile layer fills today (updated_at and images selectors are accepted but not yet read).
PROFILE_APPLIED = frozenset({"title", "subtitle", "authors", "published_at", "section", "tags", "body"})


def check_page(
    body: bytes, url: str, headers: Mapping[str, str] | None = None, profile: SiteProfile | None = None
) -> Extraction:
    return extract_with_evidence(parse_page(body, url, headers), headers, profile)
