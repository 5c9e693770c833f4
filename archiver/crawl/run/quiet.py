"""Expected download failures as one log line each, not an ERROR with a traceback.

A page over DOWNLOAD_MAXSIZE, a timeout, a refused connection or a host that does not resolve is the web being the
web: Scrapy logs each as an ERROR with a 50-line traceback from its engine, which hides real errors. This filter
turns those records into one WARNING naming the URL, what happened and, where there is one, the setting to change.
Anything else (a bug) keeps its traceback.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectError, ConnectionDone, ConnectionLost

EXPECTED = (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    ConnectError,
    ConnectionDone,
    ConnectionLost,
)
SCRAPER_LOGGER = "scrapy.core.scraper"
HANDLER_LOGGER = "scrapy.core.downloader.handlers.http11"
ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"  # politeness/robots.py says it in one line
_MAXSIZE = re.compile(r"(?:Expected to receive|Received) (\d+) bytes which is larger than download max size \((\d+)\)")


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if match := _MAXSIZE.search(text):
        size, limit = match.groups()
        return f"{size} bytes, over DOWNLOAD_MAXSIZE ({limit}); --set DOWNLOAD_MAXSIZE=N keeps such pages"
    if isinstance(exc, DownloadTimeoutError):
        return f"timed out ({text or 'DOWNLOAD_TIMEOUT'}); --set DOWNLOAD_TIMEOUT=SECONDS allows longer"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class ExpectedFailuresOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == HANDLER_LOGGER and _MAXSIZE.search(str(record.msg)):
            return False  # said once, by the scraper's line below
        exc = record.exc_info[1] if record.exc_info else None
        if record.name == ROBOTS_LOGGER and isinstance(exc, EXPECTED):
            return False
        if record.name != SCRAPER_LOGGER or not isinstance(exc, EXPECTED):
            return True
        args: Any = record.args
        request = args.get("request") if isinstance(args, dict) else None
        record.msg, record.args = "not archived: %s: %s", (request or "a request", _reason(exc))
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


def install() -> None:
    """Attach the filter to the Scrapy loggers concerned (idempotent)."""
    for name in (SCRAPER_LOGGER, HANDLER_LOGGER, ROBOTS_LOGGER):
        target = logging.getLogger(name)
        if not any(isinstance(f, ExpectedFailuresOneLine) for f in target.filters):
            target.addFilter(ExpectedFailuresOneLine())
