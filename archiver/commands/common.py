"""What the command modules share: option helpers."""

from __future__ import annotations

import argparse
from datetime import date

from archiver.errors import ConfigError

STORE_HELP = "the archive: a path, file:///abs/path or s3://bucket/prefix (default $ARCHIVER_STORE, else ./archive)"
CATALOG_HELP = "catalog database: a SQLite path or postgresql://... (default $ARCHIVER_CATALOG, else beside the store)"


def parse_set(values: list[str]) -> dict[str, str]:
    overrides = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--set {item!r}: use --set NAME=VALUE")
        overrides[name.strip()] = value
    return overrides


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from None
