"""`archiver sites check SITE [--url URL | FILE]`: one page through the site's profile, with every field, the layer
that produced it, and every profile selector with what it matched, so an archivist can fix a profile that drifted.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.crawl.settings import USER_AGENT
from archiver.errors import ArchiverError, ConfigError
from archiver.extraction.profile_check import LAYER_FIELDS, Extraction, check_page
from archiver.extraction.rules import SelectorMatch
from archiver.sites import SiteProfile, get_profile, profile_for_host

MAX_PAGE_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT_S = 30
SHOWN_CHARS = 120


@dataclass(frozen=True)
class PageCheck:
    site: str
    url: str
    source: str  # the file read, or 'fetched'
    extraction: Extraction

    def fields(self) -> list[tuple[str, Any, str]]:
        """(field, value, layer) for every article field; layer 'none' when nothing produced it."""
        layers = self.extraction.layers
        return [(name, self.extraction.article.get(name), layers[name]) for name in LAYER_FIELDS]

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "url": self.url,
            "source": self.source,
            "profile": self.extraction.profile.id if self.extraction.profile else None,
            "fields": {name: {"value": value, "layer": layer} for name, value, layer in self.fields()},
            "selectors": [match.as_dict() | {"hit": match.hit} for match in self.extraction.selectors],
        }


def check_site_page(site_id: str, url: str | None = None, file: str | None = None) -> PageCheck:
    """A saved page (FILE, fetched from URL or, without one, from the site's first domain) or the live page at URL."""
    profile = get_profile(site_id)
    if not url and not file:
        raise ConfigError("`archiver sites check` needs --url URL or a saved page FILE")
    page_url = url or f"https://{profile.domains[0]}/"
    _same_site(profile, page_url)
    if file:
        try:
            body = Path(file).read_bytes() if file != "-" else _stdin()
        except OSError as exc:
            raise ConfigError(f"cannot read {file}: {exc.strerror}") from exc
        return PageCheck(site_id, page_url, file, check_page(body, page_url, None, profile))
    body, headers, final_url = fetch_page(page_url)
    _same_site(profile, final_url)
    return PageCheck(site_id, final_url, "fetched", check_page(body, final_url, headers, profile))


def _stdin() -> bytes:
    import sys

    return sys.stdin.buffer.read(MAX_PAGE_BYTES + 1)


def _same_site(profile: SiteProfile, url: str) -> None:
    found = profile_for_host(urlsplit(url).hostname)
    if found is None or found.id != profile.id:
        raise ConfigError(f"{url} is not on a domain of {profile.id} ({', '.join(profile.domains)}); give its URL")


def fetch_page(url: str) -> tuple[bytes, dict[str, str], str]:
    """One GET (redirects followed), at most MAX_PAGE_BYTES: body, headers, final URL."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310 - http(s) only
            body = response.read(MAX_PAGE_BYTES + 1)
            headers = dict(response.headers.items())
            final = response.geturl()
    except urllib.error.HTTPError as exc:
        raise ArchiverError(f"{url} answered HTTP {exc.code}: save the page from a browser and check the FILE") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ArchiverError(f"cannot fetch {url} ({reason}): check the address or save the page as a FILE") from exc
    if len(body) > MAX_PAGE_BYTES:
        raise ArchiverError(f"{url} is larger than {MAX_PAGE_BYTES} bytes; save the page and check the FILE")
    return body, headers, final


def _shown(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "(empty)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _selector_line(match: SelectorMatch) -> str:
    if not match.matches:
        return f"  {match.field:<13} {match.selector}\n      NO MATCH"
    found = f"{match.matches} match{'es' if match.matches != 1 else ''}"
    texts = "".join(f"\n      {_shown(text)}" for text in match.texts) or "\n      (matched, but no text)"
    return f"  {match.field:<13} {match.selector}  [{found}]{texts}"


def render_text(check: PageCheck) -> str:
    profile = check.extraction.profile
    lines = [f"{check.site}: {check.url} ({check.source})", "fields (value, then the layer that produced it):"]
    lines += [f"  {name:<16} {layer:<22} {_shown(value)}" for name, value, layer in check.fields()]
    if profile is None or not check.extraction.selectors:
        lines.append("selectors: the profile has none (the generic layers did all the work)")
    else:
        lines.append(f"selectors of profile {profile.id}:")
        lines += [_selector_line(match) for match in check.extraction.selectors]
    return "\n".join(lines)
