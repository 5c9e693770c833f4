"""Recognise bot-challenge and block pages (Cloudflare, captchas, WAF denials), which a health report must see:
a site that answers them has not changed its news, it has stopped letting the crawler in."""

from __future__ import annotations

import re

from archiver.bounded import inflate
from archiver.warc.http import RawMessage

# Markers of the common challenge and block pages, matched in the first 16 kB of the body (case-insensitive).
CHALLENGE_MARKERS = re.compile(
    rb"cf-chl-|challenge-platform|cf-browser-verification|just a moment\.\.\.|attention required! \| cloudflare"
    rb"|g-recaptcha|h-captcha|hcaptcha\.com|captcha-delivery|ddos-guard|access denied.{0,80}incapsula"
    rb"|request unsuccessful\. incapsula|sucuri website firewall",
    re.IGNORECASE | re.DOTALL,
)
CHALLENGE_HEADERS = re.compile(rb"^cf-mitigated:\s*challenge", re.IGNORECASE | re.MULTILINE)


def looks_like_challenge(status: int, message: RawMessage) -> bool:
    """True for a response that is a bot challenge or a firewall block rather than the page asked for."""
    if CHALLENGE_HEADERS.search(message.head):
        return True
    if status not in (200, 403, 429, 503):
        return False
    return CHALLENGE_MARKERS.search(_text_prefix(message)) is not None


def _text_prefix(message: RawMessage, limit: int = 16384) -> bytes:
    body = message.entity()[: limit * 4]
    if "gzip" in (message.header("Content-Encoding") or "").lower():
        return inflate(body, limit).data
    return body[:limit]
