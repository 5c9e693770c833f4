"""Site profiles: one TOML file per registered outlet (id, domains, discovery URLs, language, schedule).

A new outlet is a profile file; the spider code does not change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from archiver.errors import ConfigError

PROFILE_DIR = Path(__file__).parent


@dataclass(frozen=True)
class SiteProfile:
    id: str
    name: str
    language: str
    domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    schedule: str = "0 */6 * * *"
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "domains": list(self.domains),
            "start_urls": list(self.start_urls),
            "feeds": list(self.feeds),
            "sitemaps": list(self.sitemaps),
            "schedule": self.schedule,
            "notes": self.notes,
        }


def _load(path: Path) -> SiteProfile:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return SiteProfile(
            id=data["id"],
            name=data["name"],
            language=data["language"],
            domains=tuple(data["domains"]),
            start_urls=tuple(data["start_urls"]),
            feeds=tuple(data.get("feeds", ())),
            sitemaps=tuple(data.get("sitemaps", ())),
            schedule=data.get("schedule", "0 */6 * * *"),
            notes=data.get("notes", ""),
        )
    except KeyError as exc:
        raise ConfigError(f"site profile {path.name} lacks the field {exc.args[0]!r}") from exc


@cache
def profiles() -> dict[str, SiteProfile]:
    loaded = (_load(path) for path in sorted(PROFILE_DIR.glob("*.toml")))
    return {profile.id: profile for profile in loaded}


def get_profile(site_id: str) -> SiteProfile:
    try:
        return profiles()[site_id]
    except KeyError:
        raise ConfigError(f"unknown site {site_id!r}; `archiver sites list` shows the registered ones") from None


def targets_for_sites(site_ids: list[str]) -> list[Any]:
    from archiver.urls import origin_of
    from spiders.news import CrawlTarget

    targets = []
    for site_id in site_ids:
        profile = get_profile(site_id)
        origins = {origin_of(f"https://{d}/") for d in profile.domains} | {
            origin_of(f"http://{d}/") for d in profile.domains
        }
        urls = list(profile.start_urls) + list(profile.feeds) + list(profile.sitemaps)
        targets.append(CrawlTarget(profile.id, urls, origins))
    return targets
