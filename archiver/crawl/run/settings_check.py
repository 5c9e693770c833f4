"""`--set NAME=VALUE` values checked against the type of the setting's default before a crawl starts: Scrapy
converts them only when a component reads them, mid-crawl, where a typo (`DOWNLOAD_MAXSIZE=abc`) killed the
download handler and the crawl ended "finished" with nothing captured."""

from __future__ import annotations

import json
from typing import Any

from archiver.errors import ConfigError

BOOL_WORDS = ("true", "false", "True", "False")  # what Scrapy's Settings.getbool accepts besides integers
# Settings whose default is a whole number but which Scrapy reads as a float (`--set DOWNLOAD_TIMEOUT=2.5` works).
FLOAT_READ = frozenset(
    {
        "DOWNLOAD_TIMEOUT",
        "DNS_TIMEOUT",
        "CLOSESPIDER_TIMEOUT",
        "CLOSESPIDER_TIMEOUT_NO_ITEM",
        "LOGSTATS_INTERVAL",
        "MEMUSAGE_CHECK_INTERVAL_SECONDS",
        "METAREFRESH_MAXDELAY",
        "AUTOTHROTTLE_START_DELAY",
        "AUTOTHROTTLE_MAX_DELAY",
        "AUTOTHROTTLE_TARGET_CONCURRENCY",
        "DOWNLOAD_DELAY",
    }
)


def _defaults() -> dict[str, Any]:
    from scrapy.settings import default_settings

    from archiver.crawl.run import settings as ours

    values = {name: getattr(default_settings, name) for name in dir(default_settings) if name.isupper()}
    values.update({name: getattr(ours, name) for name in dir(ours) if name.isupper()})
    return values


def _problem(name: str, value: str, default: Any) -> str | None:
    """What is wrong with `value` for the setting `name` whose default is `default`, or None."""
    if isinstance(default, bool):
        try:
            int(value)
        except ValueError:
            if value not in BOOL_WORDS:
                return "takes true or false (or 1 or 0)"
        return None
    if isinstance(default, float) or (isinstance(default, int) and name in FLOAT_READ):
        try:
            float(value)
        except ValueError:
            return "takes a number"
        return None
    if isinstance(default, int):
        try:
            int(value)
        except ValueError:
            return "takes a whole number"
        return None
    if isinstance(default, dict):
        try:
            parsed = json.loads(value)
        except ValueError:
            return 'takes a JSON object, e.g. {"name": 1}'
        return None if isinstance(parsed, dict) else 'takes a JSON object, e.g. {"name": 1}'
    return None  # strings, lists (comma-separated), paths and class names: any text is a value


def check_overrides(overrides: dict[str, str]) -> None:
    """Raise ConfigError (exit 2) naming the first `--set` whose value the setting's type cannot take."""
    if not overrides:
        return
    defaults = _defaults()
    for name, value in overrides.items():
        if name not in defaults:
            continue  # a setting of some extension we do not know: Scrapy passes it through
        problem = _problem(name, value.strip(), defaults[name])
        if problem:
            raise ConfigError(f"--set {name}={value!r}: {name} {problem} (default {defaults[name]!r})")
