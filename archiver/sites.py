"""Registered sites: one TOML profile per outlet in `spiders/profiles/` (data, not code).

A profile gives the crawl its domains and discovery URLs, and extraction its rules where the generic layers are
not enough: CSS or XPath selectors per field, boilerplate phrases, article URL patterns, the outlet's own names.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from archiver.errors import ConfigError
from archiver.identifiers import site_id_problem

SELECTOR_FIELDS = ("title", "subtitle", "authors", "published_at", "updated_at", "section", "tags", "body", "images")


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
    site_names: tuple[str, ...] = ()  # names the outlet signs with (title suffixes, bylines that are not authors)
    selectors: dict[str, str] = field(default_factory=dict)  # field -> CSS, or XPath when it starts '/', '(', './'
    boilerplate: tuple[str, ...] = ()  # regexes; a body paragraph matching one is dropped
    article_urls: tuple[str, ...] = ()  # regexes on the URL path+query that mark article pages
    aggregator: bool = False  # reposts other outlets' stories (source lines expected)

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
            "site_names": list(self.site_names),
            "selectors": dict(self.selectors),
            "boilerplate": list(self.boilerplate),
            "article_urls": list(self.article_urls),
            "aggregator": self.aggregator,
        }

    @property
    def boilerplate_patterns(self) -> tuple[re.Pattern[str], ...]:
        return _compiled(self.boilerplate)

    @property
    def article_url_patterns(self) -> tuple[re.Pattern[str], ...]:
        return _compiled(self.article_urls)


@cache
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _load(name: str, text: str) -> SiteProfile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"site profile {name} is not valid TOML: {exc}") from exc
    if "id" in data and (problem := site_id_problem(data["id"])):
        raise ConfigError(f"site profile {name}: id {data['id']!r} is not a valid site id: {problem}")
    unknown = set(data.get("selectors", {})) - set(SELECTOR_FIELDS)
    if unknown:
        raise ConfigError(f"site profile {name}: unknown selector field(s) {sorted(unknown)}")
    try:
        profile = SiteProfile(
            id=data["id"],
            name=data["name"],
            language=data["language"],
            domains=tuple(data["domains"]),
            start_urls=tuple(data["start_urls"]),
            feeds=tuple(data.get("feeds", ())),
            sitemaps=tuple(data.get("sitemaps", ())),
            schedule=data.get("schedule", "0 */6 * * *"),
            notes=data.get("notes", ""),
            site_names=tuple(data.get("site_names", ())),
            selectors=dict(data.get("selectors", {})),
            boilerplate=tuple(data.get("boilerplate", ())),
            article_urls=tuple(data.get("article_urls", ())),
            aggregator=bool(data.get("aggregator", False)),
        )
    except KeyError as exc:
        raise ConfigError(f"site profile {name} lacks the field {exc.args[0]!r}") from exc
    try:
        profile.boilerplate_patterns, profile.article_url_patterns  # noqa: B018 - compile now, fail early
    except re.error as exc:
        raise ConfigError(f"site profile {name}: bad regular expression: {exc}") from exc
    return profile


@cache
def profiles() -> dict[str, SiteProfile]:
    """Every registered profile by id (read once per process): the bundled ones in `spiders/profiles/`, plus the
    `*.toml` files of the folders named in $ARCHIVER_PROFILES_DIR (os.pathsep-separated), for an archive's own sites
    without editing the package. An id registered twice is an error naming both files."""
    bundled = [entry for entry in resources.files("spiders.profiles").iterdir() if entry.name.endswith(".toml")]
    entries = list(bundled)
    for folder in filter(None, os.environ.get("ARCHIVER_PROFILES_DIR", "").split(os.pathsep)):
        if not Path(folder).is_dir():
            raise ConfigError(f"ARCHIVER_PROFILES_DIR names {folder}, which is not a folder")
        entries += sorted(Path(folder).glob("*.toml"))
    found: dict[str, SiteProfile] = {}
    where: dict[str, str] = {}
    for entry in entries:
        # The full path for an archive's own profiles, so the message names the file to fix.
        profile = _load(entry.name if entry in bundled else str(entry), entry.read_text(encoding="utf-8"))
        if profile.id in found:
            raise ConfigError(f"site id {profile.id!r} is registered twice: {where[profile.id]} and {entry}")
        found[profile.id], where[profile.id] = profile, str(entry)
    return dict(sorted(found.items()))


def get_profile(site_id: str) -> SiteProfile:
    try:
        return profiles()[site_id]
    except KeyError:
        raise ConfigError(f"unknown site {site_id!r}; `archiver sites list` shows the registered ones") from None


@cache
def _by_host() -> dict[str, SiteProfile]:
    return {domain.lower(): profile for profile in profiles().values() for domain in profile.domains}


def profile_for_host(host: str | None) -> SiteProfile | None:
    """The profile whose domains include `host` (www. and sub-domains tried too), or None."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    table = _by_host()
    while host:
        if host in table:
            return table[host]
        if "." not in host:
            return None
        host = host.split(".", 1)[1]
    return None
