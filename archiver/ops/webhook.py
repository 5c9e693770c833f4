"""POST a JSON report to a webhook (chat bridges, alerting): standard library only, bounded time, one retry."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from archiver import SOFTWARE
from archiver.errors import ArchiverError, ConfigError

WEBHOOK_TIMEOUT = 10.0
WEBHOOK_ATTEMPTS = 2
RETRY_PAUSE = 1.0


class WebhookError(ArchiverError):
    """The webhook did not accept the report (after the retry)."""


def check_webhook_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--webhook {url!r}: give an absolute http:// or https:// URL")
    return url


def post_json(url: str, payload: dict[str, Any], timeout: float = WEBHOOK_TIMEOUT) -> int:
    """POST `payload`; returns the HTTP status. Raises WebhookError naming the last failure."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        check_webhook_url(url),
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": SOFTWARE},
    )
    failure = ""
    for attempt in range(WEBHOOK_ATTEMPTS):
        if attempt:
            time.sleep(RETRY_PAUSE)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked above
                return int(response.status)
        except urllib.error.HTTPError as exc:
            failure = f"HTTP {exc.code} {exc.reason}"
        except (urllib.error.URLError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            failure = str(reason)
    # Only the host: webhook paths often carry the secret token.
    where = urlsplit(url).netloc.rpartition("@")[2]
    raise WebhookError(f"webhook at {where} failed after {WEBHOOK_ATTEMPTS} attempts: {failure}")
