"""Whether a finished crawl got anything at all, and if not, why: a crawl that captured no page from any start
URL has failed (exit 1), whatever Scrapy's finish reason says."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ROBOTS_STATUS = "robotstxt/response_status_count/"
EXCEPTIONS = "downloader/exception_type_count/"
NOT_NETWORK = ("IgnoreRequest",)  # a request the crawl itself dropped (robots.txt, scope), not a network failure
TLS_UNVERIFIED = "archiver/tls_unverified"  # connections refused because the server's certificate did not verify


def is_tls_verification_failure(exc: BaseException) -> bool:
    """Whether a download failed because the server's certificate could not be verified (Scrapy wraps the OpenSSL
    error, so its text is what tells)."""
    return "certificate verify failed" in str(exc)


def pages_received(stats: Mapping[str, Any]) -> int:
    """Responses other than robots.txt (every robots.txt answer is counted once by status)."""
    robots = sum(int(v) for k, v in stats.items() if k.startswith(ROBOTS_STATUS))
    return int(stats.get("response_received_count", 0)) - robots


def nothing_captured(stats: Mapping[str, Any]) -> str | None:
    """None when some page answered; otherwise one line saying why nothing was captured."""
    if pages_received(stats) > 0:
        return None
    reasons = []
    errors = {
        k.removeprefix(EXCEPTIONS).rsplit(".", 1)[-1]: int(v) for k, v in stats.items() if k.startswith(EXCEPTIONS)
    }
    errors = {name: count for name, count in errors.items() if name not in NOT_NETWORK}
    if stats.get(TLS_UNVERIFIED):
        reasons.append(
            "the server's TLS certificate could not be verified (a self-signed or private CA: set SSL_CERT_FILE "
            "to a CA bundle that trusts it)"
        )
        errors.pop("DownloadFailedError", None)
    if errors:
        failures = ", ".join(f"{name} x{count}" for name, count in sorted(errors.items()))
        reasons.append(f"the site could not be reached ({failures})")
    if stats.get("robotstxt/forbidden"):
        if stats.get("archiver/robotstxt/disallow_all"):
            reasons.append("robots.txt was unreachable or refused, so the whole host is off limits (RFC 9309)")
        else:
            reasons.append("robots.txt disallows the start URLs")
    if stats.get("archiver/offsite_dropped") and not reasons:
        reasons.append("the start URLs led off the site")
    why = "; ".join(reasons) or "no page answered"
    return f"nothing was captured from any start URL: {why}; check the URL and that the site is up"
