"""Identifiers that become part of store keys (site ids, crawl ids): checked where they enter the archive.

A site id is a folder name in `warc/{site}/...` and `articles/{site}/...`, and the part of a CDXJ file name before
`--`; a crawl id starts WARC file names and names `crawls/{crawl_id}/`. One that held `/`, `..` or a leading dot
would make keys the store refuses (wedging recovery) or keys that no listing of the site finds again (so every
recrawl stored every article as new).
"""

from __future__ import annotations

import re

MAX_LENGTH = 100
# Letters (any script), digits, '.', '_' and '-'; starts and ends with a letter or digit; no '..'. A host name,
# Arabic ones included, is a valid site id: `--start-url` crawls use the host as the site.
_SITE_ID = re.compile(r"[^\W_](?:[\w.-]*[^\W_])?")
_CRAWL_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?")


def site_id_problem(value: object) -> str | None:
    """Why `value` cannot be a site id, or None when it can."""
    if not isinstance(value, str) or not value:
        return "a site id must be a non-empty string"
    if len(value) > MAX_LENGTH:
        return f"a site id is at most {MAX_LENGTH} characters"
    if not _SITE_ID.fullmatch(value) or ".." in value:
        return "use letters, digits, '.', '_' and '-' only, starting and ending with a letter or digit, no '..'"
    return None


def crawl_id_problem(value: str) -> str | None:
    """Why `value` cannot be a crawl id, or None when it can."""
    if len(value) > MAX_LENGTH:
        return f"a crawl id is at most {MAX_LENGTH} characters"
    if not _CRAWL_ID.fullmatch(value):
        return "use letters, digits, '-' and '_' only, starting with a letter or digit"
    return None
