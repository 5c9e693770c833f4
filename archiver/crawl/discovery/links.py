"""Links found on a fetched page, made safe to follow: a malformed one (`http://[::1`, a port above 65535) is
skipped and counted instead of raising inside the page's callback, and a page gives at most a bounded number."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit


def resolve_link(base: str, href: str) -> str | None:
    """`href` made absolute against `base`, or None when the result is no usable http(s) URL."""
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is no number or above 65535
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and not parts.hostname:
        return None
    return url


def is_well_formed(url: str) -> bool:
    """True when `url` splits with a host and a valid port (what scope checks and request building need)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - see resolve_link
    except ValueError:
        return False
    return bool(parts.hostname)


@dataclass
class LinkLimits:
    """What the link bounds did during one crawl, for the summary and the manifest."""

    max_per_page: int
    malformed: int = 0
    capped_pages: dict[str, int] = field(default_factory=dict)  # page URL -> links it offered (all of them)

    def allows(self, followed: int) -> bool:
        """Whether a page that gave `followed` new requests so far may give one more (links already seen, off
        site or traps do not count: a page full of those cannot hide its in-site links)."""
        return followed < self.max_per_page

    def capped(self, page_url: str, offered: int) -> None:
        self.capped_pages[page_url] = offered

    def as_dict(self) -> dict[str, object]:
        return {
            "max_links_per_page": self.max_per_page,
            "malformed_links_skipped": self.malformed,
            "pages_over_link_limit": dict(sorted(self.capped_pages.items())),
        }
