"""Registered sites: one TOML profile per outlet in `spiders/profiles/` (data, not code).

A profile gives the crawl its domains and discovery URLs, and extraction its rules where the generic layers are
not enough: CSS or XPath selectors per field, boilerplate phrases, article URL patterns, the outlet's own names.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.errors import ConfigError
from archiver.identifiers import site_id_problem
from archiver.profile_validation import SELECTOR_FIELDS, profile_problem

__all__ = ["SELECTOR_FIELDS", "SiteProfile", "get_profile", "profile_for_host", "profiles", "site_id_for_url"]


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
    origin: str = ""  # the file the profile was read from
    overridden_by: str | None = None  # an archive's own file that overrides some fields of this bundled profile
    overridden: tuple[str, ...] = ()  # the fields (and selectors, as 'selectors.FIELD') that file sets

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
            "origin": self.origin,
            "overridden_by": self.overridden_by,
            "overridden_fields": list(self.overridden),
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


PROFILE_KEYS = frozenset(
    {"id", "name", "language", "domains", "start_urls", "feeds", "sitemaps", "schedule", "notes", "site_names"}
    | {"selectors", "boilerplate", "article_urls", "aggregator"}
)


def _parse(name: str, text: str) -> dict[str, Any]:
    """The TOML of one file with the checks a file needs on its own (an override file has only some fields; the
    rest of the rules run on the merged profile in `_build`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"site profile {name} is not valid TOML: {exc}") from exc
    if "id" not in data:
        raise ConfigError(f"site profile {name}: id is required")
    if problem := site_id_problem(data["id"]):
        raise ConfigError(f"site profile {name}: id {data['id']!r} is not a valid site id: {problem}")
    if strange := sorted(set(data) - PROFILE_KEYS):
        raise ConfigError(
            f"site profile {name}: {strange[0]} is not a profile field; use one of {sorted(PROFILE_KEYS)}"
        )
    if not isinstance(data.get("selectors", {}), dict):
        raise ConfigError(f"site profile {name}: selectors must be a table of field = selector")
    return data


def _override(bundled: dict[str, Any], own: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The bundled profile with the archive's fields in place of its own; selectors are replaced one by one
    (an empty selector string removes one)."""
    merged = {**bundled, **{k: v for k, v in own.items() if k != "selectors"}}
    changed = [k for k in own if k not in ("id", "selectors")]
    selectors = dict(bundled.get("selectors", {}))
    for field_name, selector in own.get("selectors", {}).items():
        changed.append(f"selectors.{field_name}")
        if selector:
            selectors[field_name] = selector
        else:
            selectors.pop(field_name, None)
    merged["selectors"] = selectors
    return merged, tuple(changed)


def _load(name: str, text: str) -> SiteProfile:
    return _build(name, _parse(name, text))


def _build(name: str, data: dict[str, Any]) -> SiteProfile:
    if found := profile_problem(data):
        field_name, problem = found
        raise ConfigError(f"site profile {name}: {field_name} {problem}")
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
        site_names=tuple(data.get("site_names", ())),
        selectors=dict(data.get("selectors", {})),
        boilerplate=tuple(data.get("boilerplate", ())),
        article_urls=tuple(data.get("article_urls", ())),
        aggregator=bool(data.get("aggregator", False)),
    )


@cache
def profiles() -> dict[str, SiteProfile]:
    """Every registered profile by id (read once per process): the bundled ones in `spiders/profiles/`, plus the
    `*.toml` files of the folders named in $ARCHIVER_PROFILES_DIR (os.pathsep-separated), for an archive's own sites
    without editing the package. An archive's file with a bundled id overrides that profile field by field (it
    needs only the id and the fields it changes); an id twice among the bundled or among the archive's files is an
    error naming both files."""
    bundled = [entry for entry in resources.files("spiders.profiles").iterdir() if entry.name.endswith(".toml")]
    own: list[Path] = []
    for folder in filter(None, os.environ.get("ARCHIVER_PROFILES_DIR", "").split(os.pathsep)):
        if not Path(folder).is_dir():
            raise ConfigError(f"ARCHIVER_PROFILES_DIR names {folder}, which is not a folder")
        own += sorted(Path(folder).glob("*.toml"))
    data: dict[str, dict[str, Any]] = {}
    where: dict[str, str] = {}
    for entry in bundled:
        parsed = _parse(entry.name, entry.read_text(encoding="utf-8"))
        if parsed["id"] in data:
            raise ConfigError(f"site id {parsed['id']!r} is registered twice: {where[parsed['id']]} and {entry}")
        data[parsed["id"]], where[parsed["id"]] = parsed, str(entry)
    found = {site_id: replace(_build(where[site_id], d), origin=where[site_id]) for site_id, d in data.items()}
    archive_files: dict[str, str] = {}
    for path in own:
        parsed = _parse(str(path), path.read_text(encoding="utf-8"))
        site_id = parsed["id"]
        if site_id in archive_files:
            raise ConfigError(f"site id {site_id!r} is registered twice: {archive_files[site_id]} and {path}")
        archive_files[site_id] = str(path)
        if site_id in data:
            merged, changed = _override(data[site_id], parsed)
            profile = _build(str(path), merged)
            found[site_id] = replace(profile, origin=where[site_id], overridden_by=str(path), overridden=changed)
        else:
            found[site_id] = replace(_build(str(path), parsed), origin=str(path))
    return dict(sorted(found.items()))


def get_profile(site_id: str) -> SiteProfile:
    try:
        return profiles()[site_id]
    except KeyError:
        raise ConfigError(f"unknown site {site_id!r}; `archiver sites list` shows the registered ones") from None


@cache
def _by_host() -> dict[str, SiteProfile]:
    return {domain.lower(): profile for profile in profiles().values() for domain in profile.domains}


def site_id_for_url(url: str) -> str:
    """The site a URL belongs to: a registered site's id when its host is on the site's domains, else the host.
    Crawls name their sites this way in keys, manifests and summaries, and health reads them back the same way."""
    host = urlsplit(url).hostname or ""
    profile = profile_for_host(host)
    return profile.id if profile else host


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
