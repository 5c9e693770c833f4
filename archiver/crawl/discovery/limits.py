"""What the bounds against hostile servers stopped in one crawl: gathered for the manifest, rendered for the
summary (docs/failure-behaviour.md lists every bound and its setting)."""

from __future__ import annotations

from typing import Any


def crawl_limits(stats: dict[str, Any], spider: Any) -> dict[str, Any]:
    """What the bounds against hostile servers stopped in this crawl (docs/failure-behaviour.md)."""
    limits: dict[str, Any] = spider.link_limits.as_dict() if spider is not None else {}
    for name in ("headers_over_limit", "sitemaps_cut", "refused_addresses", "extraction_errors"):
        limits[name] = int(stats.get(f"archiver/{name}", 0))
    return limits


def limit_lines(limits: dict[str, Any]) -> list[str]:
    """Summary lines for what the hostile-server bounds stopped; none when nothing was stopped."""
    lines = []
    for page, offered in list(limits.get("pages_over_link_limit", {}).items())[:10]:
        lines.append(f"link limit: {page} offered {offered} links, {limits['max_links_per_page']} followed")
    extra = len(limits.get("pages_over_link_limit", {})) - 10
    if extra > 0:
        lines.append(f"link limit: {extra} more pages over ARCHIVER_MAX_LINKS_PER_PAGE (see the manifest)")
    labels = {
        "malformed_links_skipped": "malformed links skipped",
        "headers_over_limit": "responses failed on the header limit",
        "sitemaps_cut": "sitemaps cut at ARCHIVER_SITEMAP_MAX_SIZE",
        "refused_addresses": "connections refused to non-public addresses",
        "extraction_errors": "pages whose extraction failed",
    }
    counted = [f"{labels[k]}: {limits[k]}" for k in labels if limits.get(k)]
    if counted:
        lines.append("; ".join(counted))
    return lines
