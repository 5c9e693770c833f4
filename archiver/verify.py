"""Verify a store end to end: manifests against objects, WARC records against their digests and links, and every
article against the record it cites. Reads the store alone, streaming; reports every problem, stops at none."""

from __future__ import annotations

import hashlib
import io
import json
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from archiver.custody.record import record_verify
from archiver.custody.verify import verify_custody
from archiver.errors import NotFoundError
from archiver.store import Store
from archiver.store.base import CHUNK
from archiver.store.layout import (
    CRAWLS_PREFIX,
    CUSTODY_PREFIX,
    crawl_id_of_warc,
    is_article_key,
    is_crawl_key,
    is_imported_warc,
    is_manifest_key,
    is_warc_key,
)
from archiver.warc.members import TruncatedMember, iter_members
from archiver.warc.validate import parse_record, validate


@dataclass(frozen=True)
class VerifyReport:
    objects: int
    warc_files: int
    articles: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def _sha256(store: Store, key: str) -> str:
    digest = hashlib.sha256()
    with store.open(key) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_problems(store: Store, listed: dict[str, str]) -> Iterator[str]:
    for info in store.list(CRAWLS_PREFIX):
        if not is_manifest_key(info.key):
            continue
        try:
            with store.open(info.key) as handle:
                manifest = json.loads(handle.read())
            entries = manifest["objects"]
        except (ValueError, KeyError, TypeError) as exc:
            yield f"{info.key}: unreadable manifest ({exc.__class__.__name__})"
            continue
        for entry in entries:
            key, want = str(entry.get("key")), str(entry.get("sha256"))
            listed[key] = want
            try:
                got = _sha256(store, key)
            except NotFoundError:
                yield f"{key}: listed in {info.key} but missing from the store"
                continue
            if got != want:
                yield f"{key}: sha256 {got} differs from {want} in {info.key}"


def _article_problems(store: Store, key: str, article: dict[str, Any]) -> Iterator[str]:
    capture = article.get("capture") or {}
    try:
        raw = store.read_range(capture["warc_file"], int(capture["offset"]), int(capture["length"]))
        record, error = parse_record(next(iter_members(io.BytesIO(raw))).data)
    except (KeyError, TypeError, ValueError, StopIteration, NotFoundError, OSError, zlib.error, TruncatedMember) as exc:
        yield f"{key}: its capture record cannot be read ({exc.__class__.__name__}: {exc})"
        return
    if record is None:
        yield f"{key}: its capture record is damaged ({error})"
        return
    if record.get("WARC-Record-ID") != capture.get("record_id"):
        yield f"{key}: capture points at {record.get('WARC-Record-ID')}, not {capture.get('record_id')}"
    if record.get("WARC-Payload-Digest") != capture.get("payload_digest"):
        yield f"{key}: payload digest differs from its capture record"
    # WARC/1.0 writers (wget) put the URI in angle brackets, as that version's grammar had it.
    if (record.get("WARC-Target-URI") or "").strip("<>") != article.get("url"):
        yield f"{key}: URL differs from its capture record's target"


def _promised_articles(store: Store, warc_keys: list[str]) -> Iterator[tuple[str, str]]:
    """(article key, WARC file) for every article a metadata record names, read from the WARC's CDXJ index (or the
    WARC itself when it has none)."""
    from archiver.catalog.cdxj import index_warc, parse_line
    from archiver.store.layout import cdxj_key

    for warc_key in warc_keys:
        try:
            with store.open(cdxj_key(warc_key)) as handle:
                lines: list[bytes] = handle.read().splitlines()
        except NotFoundError:
            try:
                with store.open(warc_key) as handle:
                    lines = index_warc(handle, warc_key)
            except Exception:  # noqa: BLE001 - a damaged WARC is reported by the record validation
                continue
        for line in lines:
            if line.strip():
                article = parse_line(line)[2].get("article")
                if article:
                    yield str(article), warc_key


def _catalog_articles(store: Store, catalog_url: str | None) -> Iterator[str]:
    """Article keys the catalog (when there is one) lists for captures."""
    from archiver.catalog.db import Database, default_catalog_url, sqlite_path
    from archiver.store.local import LocalStore

    url = catalog_url or default_catalog_url(store.uri, store.root if isinstance(store, LocalStore) else None)
    if not url.startswith(("postgresql://", "postgres://")) and not sqlite_path(url).is_file():
        return
    db = Database(url)
    try:
        if not db.has_table("captures"):
            return
        owner = db.one("SELECT value FROM catalog_meta WHERE name = 'store'")
        if owner is None or owner[0] != store.uri:
            return
        for (key,) in db.query("SELECT DISTINCT article_key FROM captures WHERE article_key IS NOT NULL"):
            yield str(key)
    finally:
        db.close()


def verify_store(store: Store, catalog_url: str | None = None) -> VerifyReport:
    """`catalog_url`: the catalog whose article keys are checked too (default: the store's, when it exists)."""
    problems: list[str] = []
    listed: dict[str, str] = {}
    problems += _manifest_problems(store, listed)

    by_crawl: dict[str, list[str]] = defaultdict(list)
    present: set[str] = set()
    objects = articles = 0
    for info in store.list(""):
        if is_crawl_key(info.key) or info.key.startswith(CUSTODY_PREFIX):  # the chain is checked below
            continue
        objects += 1
        if info.key not in listed:
            problems.append(f"{info.key}: in the store but in no crawl manifest")
        if is_warc_key(info.key):
            by_crawl[crawl_id_of_warc(info.key)].append(info.key)
        elif is_article_key(info.key):
            articles += 1
            present.add(info.key)
            try:
                with store.open(info.key) as handle:
                    article = json.loads(handle.read())
            except ValueError:
                problems.append(f"{info.key}: not valid JSON")
                continue
            problems += _article_problems(store, info.key, article)
    for keys in by_crawl.values():
        handles = [(key, store.open(key)) for key in keys]
        try:
            problems += [str(p) for p in validate(handles, foreign=is_imported_warc)]
        finally:
            for _key, handle in handles:
                handle.close()
    # An article promised but absent is lost data, whatever the manifests say.
    missing: dict[str, str] = {}
    for key, warc_key in _promised_articles(store, [k for keys in by_crawl.values() for k in keys]):
        if key not in present:
            missing.setdefault(key, f"named by a metadata record in {warc_key}")
    for key in _catalog_articles(store, catalog_url):
        if key not in present:
            missing.setdefault(key, "named by the catalog")
    problems += [f"{key}: {where} but missing from the store" for key, where in sorted(missing.items())]
    chain = verify_custody(store)
    problems += [chain.broken] if chain.broken else []
    record_verify(store, problems, not problems)
    return VerifyReport(objects, sum(len(k) for k in by_crawl.values()), articles, problems)
