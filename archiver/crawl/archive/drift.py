"""Per-site extraction statistics of one crawl (the manifest's `extraction`): how full each field was, which
layer produced it, and how often each selector of the site's profile matched. `archiver health` compares them
with the site's own earlier crawls, so a profile that stopped matching after a redesign is named."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from archiver.extraction.profile_check import LAYER_FIELDS as FILL_FIELDS
from archiver.extraction.rules import SelectorMatch


@dataclass
class _SiteStats:
    profile: str | None
    articles: int = 0
    filled: Counter[str] = field(default_factory=Counter)
    layers: dict[str, Counter[str]] = field(default_factory=dict)
    selectors: dict[str, str] = field(default_factory=dict)  # field -> selector
    hits: Counter[str] = field(default_factory=Counter)  # field -> articles where its selector found text


class ExtractionStats:
    def __init__(self) -> None:
        self._sites: dict[str, _SiteStats] = {}

    def add(
        self,
        site: str,
        article: dict[str, Any],
        profile: str | None,
        selectors: list[SelectorMatch],
        layers: dict[str, str] | None = None,
    ) -> None:
        stats = self._sites.setdefault(site, _SiteStats(profile))
        stats.profile = stats.profile or profile
        stats.articles += 1
        for name in FILL_FIELDS:
            stats.filled[name] += bool(article.get(name))
        methods = layers or (article.get("extraction") or {}).get("method") or {}
        for name, method in methods.items():
            stats.layers.setdefault(str(name), Counter())[str(method)] += 1
        for match in selectors:
            stats.selectors[match.field] = match.selector
            stats.hits[match.field] += match.hit

    def report(self) -> dict[str, dict[str, Any]]:
        out = {}
        for site, stats in sorted(self._sites.items()):
            total = stats.articles
            out[site] = {
                "articles": total,
                "profile": stats.profile,
                "fields": {name: round(stats.filled[name] / total, 3) for name in FILL_FIELDS},
                "layers": {name: dict(sorted(c.items())) for name, c in sorted(stats.layers.items())},
                "selectors": {
                    name: {"selector": selector, "hits": stats.hits[name], "share": round(stats.hits[name] / total, 3)}
                    for name, selector in sorted(stats.selectors.items())
                },
            }
        return out
