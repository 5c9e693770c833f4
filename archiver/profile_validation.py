"""Every rule a site profile must keep, checked once when it loads, so a mistake stops the command that read it
with one line naming the file and the field, instead of a selector that silently matches nothing mid-crawl or a
schedule that fails the night it is due.

`profile_problem(data)` returns the first broken rule as (field, message) or None; `archiver/sites.py` turns it into
the ConfigError `site profile FILE: FIELD MESSAGE`. `compile_selector` and `cron_problem` are the same checks
extraction and the scheduler use, so a profile that loads is one they accept.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from croniter import croniter
from cssselect import GenericTranslator, SelectorError
from lxml import etree

from archiver.identifiers import site_id_problem

SELECTOR_FIELDS = ("title", "subtitle", "authors", "published_at", "updated_at", "section", "tags", "body", "images")
REQUIRED = ("id", "name", "language", "domains", "start_urls")
LANGUAGES = ("ar", "en")
XPATH_PREFIXES = ("/", "(", "./", "..")
_NOT_IN_A_HOST = re.compile(r"[\s/:@?#]")


def compile_selector(selector: str) -> etree.XPath:
    """An XPath for a selector: XPath as given when it starts with '/', '(', './' or '..', else CSS translated
    (so '.entry-content p' is CSS, './/div' is XPath). ValueError names what is wrong."""
    if selector.startswith(XPATH_PREFIXES):
        try:
            return etree.XPath(selector)
        except etree.XPathSyntaxError as exc:
            raise ValueError(f"{selector!r} is not a valid XPath: {exc}") from exc
    try:
        return etree.XPath(GenericTranslator().css_to_xpath(selector, prefix="descendant-or-self::"))
    except SelectorError as exc:
        raise ValueError(f"{selector!r} is not a valid CSS selector: {exc}") from exc


def cron_problem(cron: object) -> str | None:
    if not isinstance(cron, str) or not croniter.is_valid(cron):
        return f"{cron!r} is not a cron expression (five fields, UTC: minute hour day month weekday)"
    return None


def _strings(data: dict[str, Any], name: str, *, nonempty: bool = False) -> str | None:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return "must be a list of non-empty strings"
    if nonempty and not value:
        return "must list at least one"
    return None


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http:// or https:// URL with a host"
    return None


def profile_problem(data: dict[str, Any]) -> tuple[str, str] | None:
    """The first rule `data` (a parsed profile, after any override was merged in) breaks, as (field, message)."""
    for name in REQUIRED:
        if name not in data:
            return name, "is required"
    if problem := site_id_problem(data["id"]):
        return "id", f"{data['id']!r} is not a valid site id: {problem}"
    for name in ("name", "notes"):
        if not isinstance(data.get(name, ""), str) or (name == "name" and not data[name].strip()):
            return name, "must be a non-empty string" if name == "name" else "must be a string"
    if data["language"] not in LANGUAGES:
        return "language", f"{data['language']!r} is not one of {', '.join(LANGUAGES)}"
    for name in ("domains", "start_urls", "feeds", "sitemaps", "site_names", "boilerplate", "article_urls"):
        if problem := _strings(data, name, nonempty=name in ("domains", "start_urls")):
            return name, problem
    for domain in data["domains"]:
        if _NOT_IN_A_HOST.search(domain):
            return "domains", f"{domain!r} is not a host name: write it like www.example.ly (no scheme, path or port)"
    for name in ("start_urls", "feeds", "sitemaps"):
        for url in data.get(name, []):
            if problem := _url_problem(url):
                return name, problem
    if "schedule" in data and (problem := cron_problem(data["schedule"])):
        return "schedule", problem
    for name in ("boilerplate", "article_urls"):
        for pattern in data.get(name, []):
            try:
                re.compile(pattern)
            except re.error as exc:
                return name, f"{pattern!r} is not a regular expression: {exc}"
    if not isinstance(data.get("aggregator", False), bool):
        return "aggregator", "must be true or false"
    selectors = data.get("selectors", {})
    if not isinstance(selectors, dict):
        return "selectors", "must be a table of field = selector"
    for field, selector in selectors.items():
        if field not in SELECTOR_FIELDS:
            return f"selectors.{field}", f"is not a selector field; use one of {', '.join(SELECTOR_FIELDS)}"
        if not isinstance(selector, str) or not selector.strip():
            return f"selectors.{field}", "must be a non-empty CSS or XPath selector"
        try:
            compile_selector(selector)
        except ValueError as exc:
            return f"selectors.{field}", str(exc)
    return None
