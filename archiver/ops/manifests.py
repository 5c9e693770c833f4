"""Read crawl manifests (`crawls/{crawl_id}/manifest.json`) back from the store, one at a time."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from archiver.store import Store
from archiver.store.layout import CRAWLS_PREFIX, is_manifest_key

logger = logging.getLogger(__name__)

Manifest = dict[str, Any]


def manifest_keys(store: Store) -> list[str]:
    return [info.key for info in store.list(CRAWLS_PREFIX) if is_manifest_key(info.key) and info.key.count("/") == 2]


def read_manifest(store: Store, key: str) -> Manifest | None:
    """The manifest at `key`, or None (with a warning) when it is not a JSON object."""
    with store.open(key) as handle:
        try:
            data = json.load(handle)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            logger.warning("skipping %s: not valid JSON (%s)", key, exc)
            return None
    if not isinstance(data, dict) or "crawl_id" not in data:
        logger.warning("skipping %s: not a crawl manifest", key)
        return None
    return data


def iter_manifests(store: Store) -> Iterator[Manifest]:
    """Every readable manifest, in key order (a manifest lists every object of its crawl, so they are read one at
    a time and callers keep only what they summarise; they sort by `started_at` themselves)."""
    for key in sorted(manifest_keys(store)):
        manifest = read_manifest(store, key)
        if manifest is not None:
            yield manifest


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def job_key(manifest: Manifest) -> str:
    """The crawl a manifest belongs to: its distributed job's id, else its own crawl id."""
    return str(manifest.get("job") or manifest["crawl_id"])
