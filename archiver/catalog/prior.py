"""What the archive already holds for the sites of a crawl, so a recapture can become a revisit record, a
conditional request, or an unchanged article version instead of a copy."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PriorCaptures:
    # url -> (payload digest, WARC-Date) of its newest full 2xx response
    payloads: dict[str, tuple[str, str]] = field(default_factory=dict)
    # url -> (ETag, Last-Modified) the server sent with that response
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    # article id -> (content_hash, article JSON key) of its newest version
    versions: dict[str, tuple[str, str]] = field(default_factory=dict)
    # URLs that have archived article versions (a 404/410 on one is a removal)
    article_urls: set[str] = field(default_factory=set)

    def conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for a URL whose archived response carried validators."""
        etag, modified = self.validators.get(url, (None, None))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return headers
