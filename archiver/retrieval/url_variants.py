"""The forms one page's URL takes when people share it, for looking the page up in the archive.

A link pasted from social media carries tracking parameters (`?utm_source=fb`, `fbclid=...`), a fragment, or a
scheme, `www.` or trailing slash other than the one the crawler followed. `lookup_variants()` lists the URLs worth
trying, the URL as given first, then the others by how little they change it; the caller takes the first one the
archive holds and says which it was. The URL itself is never rewritten in what is stored.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters added by sharing and ad platforms; they never select what a news page says.
TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|twclid|ttclid|igshid|igsh|mibextid"
    r"|mc_cid|mc_eid|_ga|_gl|ref_src|ref_url|s_cid|__twitter_impression|at_medium|at_campaign|xtor)$",
    re.I,
)


def drop_tracking(url: str) -> str:
    """`url` without tracking parameters and without its fragment (other parameters kept, in their order)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]
    kept = parts.query if len(query) == len(parse_qsl(parts.query, keep_blank_values=True)) else urlencode(query)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, kept, ""))


def _other_scheme(scheme: str) -> str | None:
    return {"http": "https", "https": "http"}.get(scheme.lower())


def _toggle_www(netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    toggled = hostport[4:] if hostport.lower().startswith("www.") else f"www.{hostport}"
    return f"{userinfo}{at}{toggled}"


def _toggle_slash(path: str) -> str | None:
    if path in ("", "/"):
        return None  # a site's root has one form
    return path[:-1] if path.endswith("/") else f"{path}/"


def lookup_variants(url: str) -> list[str]:
    """Every URL to try for `url`, without duplicates: the URL as given, then without tracking parameters and
    fragment, then each of those with the other scheme (http/https), with or without `www.`, and with or without
    a trailing slash, fewest changes first. A URL that cannot be parsed is returned alone."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return [text]
    if not parts.scheme or not parts.netloc:
        return [text]
    bases = [text, urlunsplit((*urlsplit(text)[:4], "")), drop_tracking(text)]
    ranked: list[tuple[int, int, str]] = []
    for base_rank, base in enumerate(bases):
        scheme, netloc, path, query, _ = urlsplit(base)
        schemes = [(scheme, 0)] + [(other, 1) for other in [_other_scheme(scheme)] if other]
        netlocs = [(netloc, 0), (_toggle_www(netloc), 1)]
        paths = [(path, 0)] + [(other, 1) for other in [_toggle_slash(path)] if other is not None]
        for scheme_, a in schemes:
            for netloc_, b in netlocs:
                for path_, c in paths:
                    ranked.append((a + b + c, base_rank, urlunsplit((scheme_, netloc_, path_, query, ""))))
    variants: list[str] = [text]
    for _changes, _base, candidate in sorted(ranked, key=lambda item: (item[0], item[1])):
        if candidate not in variants:
            variants.append(candidate)
    return variants
