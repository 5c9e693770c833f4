"""Capture times as Libyan readers know them: the archive keeps UTC (WARC dates); people in Libya read local time
(Africa/Tripoli, from the system's time-zone database, so the 2012-2013 summer time is right too)."""

from __future__ import annotations

from datetime import UTC, datetime

from archiver.extraction.dates import LIBYA_TZ


def libya_time(warc_date: str) -> str:
    """`2026-11-30T22:07:48.123456Z` as `2026-12-01 00:07:48 EET`: the same instant on a Libyan clock."""
    moment = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LIBYA_TZ).strftime("%Y-%m-%d %H:%M:%S %Z")
