"""Site profiles (TOML data files, read by `archiver.sites`) and the crawl targets built from them."""

from __future__ import annotations

from typing import Any

from archiver.sites import get_profile
from archiver.urls import origin_of


def targets_for_sites(site_ids: list[str]) -> list[Any]:
    from archiver.crawl.discovery.spider import CrawlTarget

    targets = []
    for site_id in site_ids:
        profile = get_profile(site_id)
        origins = {origin_of(f"{scheme}://{d}/") for d in profile.domains for scheme in ("http", "https")}
        urls = list(profile.start_urls) + list(profile.feeds) + list(profile.sitemaps)
        targets.append(CrawlTarget(profile.id, urls, origins))
    return targets
