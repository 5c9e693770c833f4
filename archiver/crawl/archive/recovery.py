"""Before a crawl starts: finish what earlier crawls left in the spool, so nothing captured is lost.

For each crawl that is no longer running: its open WARCs are cut to their complete records, its pending article
JSON is stored, then its closed WARCs are published (articles first: a published WARC names only stored
articles), and a crawl that never wrote its manifest gets one with `"status": "recovered"`. An entry that can never
be stored (its key is taken by different bytes, it is unreadable) does not block the store: it is reported and set
aside under `quarantine/` in the spool, and recovery goes on. A store that cannot be reached stops recovery (and
the crawl) with its error; everything stays in the spool for the next try.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from archiver.catalog.cdxj import metadata_article_keys
from archiver.crawl.archive.manifest import write_manifest
from archiver.crawl.archive.naming import WORKER_MARK, job_id_of
from archiver.crawl.archive.pending import pending_path, read_pending
from archiver.crawl.archive.publish import publish_warc
from archiver.crawl.archive.spool import Spool
from archiver.crawl.archive.writes import ARTICLE_CONTENT_TYPE
from archiver.errors import NotFoundError, ObjectExistsError, StoreError
from archiver.store import PutResult, Store
from archiver.store.layout import QUARANTINE_DIR, manifest_key, site_of, version_claim_key
from archiver.store.layout import crawl_id_of_warc as crawl_id_of
from archiver.warc.members import TruncatedMember
from archiver.warc.records import utcnow

logger = logging.getLogger(__name__)


@dataclass
class Recovery:
    salvaged: list[str] = field(default_factory=list)  # open WARCs of dead crawls, cut to complete records
    uploaded: list[str] = field(default_factory=list)  # spool files now in the store
    articles: int = 0  # article JSON stored from dead crawls' pending logs
    manifests: list[str] = field(default_factory=list)  # manifests written for crawls that died
    set_aside: list[str] = field(default_factory=list)  # one line per spool entry moved to quarantine/

    @property
    def anything(self) -> bool:
        return bool(self.salvaged or self.uploaded or self.articles or self.manifests or self.set_aside)


# Errors that retrying will never fix: the entry is set aside. Any other StoreError means the store is unreachable.
PERMANENT = (ObjectExistsError, ValueError, OSError, zlib.error, TruncatedMember)


def _journal(spool: Spool, crawl_id: str, result: PutResult, kind: str) -> None:
    spool.append_journal(crawl_id, {"key": result.key, "sha256": result.sha256, "size": result.size, "kind": kind})


def quarantine(spool: Spool, path: Path) -> Path:
    """Move a spool file out of the way, never deleting it (it is evidence)."""
    target_dir = spool.root / QUARANTINE_DIR
    target_dir.mkdir(exist_ok=True)
    target = target_dir / f"{utcnow():%Y%m%dT%H%M%S%fZ}-{path.name}"
    os.replace(path, target)
    return target


def _permanent(exc: BaseException) -> bool:
    return isinstance(exc, PERMANENT) and not (isinstance(exc, StoreError) and not isinstance(exc, ObjectExistsError))


def _promised(spool: Spool, crawl_id: str) -> set[str]:
    """Article keys named by the metadata records of a crawl's WARCs still in the spool. An article the crawl did
    not store yet is named, if at all, only there: a WARC is published after every article it names."""
    keys: set[str] = set()
    for key, path in spool.closed_files():
        if crawl_id_of(key) == crawl_id:
            try:
                with path.open("rb") as handle:
                    keys |= metadata_article_keys(handle)
            except Exception as exc:  # noqa: BLE001 - a damaged WARC is set aside when it is published
                logger.warning("cannot read the metadata records of %s: %s", key, exc)
    return keys


def finish_writes(store: Store, spool: Spool, crawl_id: str, report: Recovery | None = None) -> Recovery:
    """Store a crawl's pending article JSON that a metadata record names (and its journal does not list yet),
    then publish its closed WARCs. A pending article no record names (the crawl stopped between keeping it and
    writing its record) is not stored: it is not archived, so the next crawl fetches it again."""
    report = report if report is not None else Recovery()
    stored = {str(entry["key"]) for entry in spool.read_journal(crawl_id)}
    log = pending_path(spool.root, crawl_id)
    promised = _promised(spool, crawl_id)
    bad_articles = []
    for key, body in read_pending(log):
        if key in stored:
            continue
        _account_for_claim(store, spool, crawl_id, body, stored)
        if key not in promised and not _held(store, key, body):
            continue
        try:
            result = store.put_bytes(key, body, content_type=ARTICLE_CONTENT_TYPE)
        except Exception as exc:
            if not _permanent(exc):
                raise
            bad_articles.append(f"{key}: {exc}")
            continue
        _journal(spool, crawl_id, result, "article")
        stored.add(key)
        report.articles += 1
    if bad_articles:
        kept = quarantine(spool, log)
        report.set_aside += [f"{line} (article log set aside as {kept})" for line in bad_articles]
    for key, path in list(spool.closed_files()):
        if crawl_id_of(key) != crawl_id:
            continue
        try:
            index, result = publish_warc(store, spool, key, path)
        except Exception as exc:
            if not _permanent(exc):
                raise
            kept = quarantine(spool, path)
            report.set_aside.append(f"{key}: {exc} (set aside as {kept})")
            continue
        _journal(spool, crawl_id, index, "cdxj")
        _journal(spool, crawl_id, result, "warc")
        report.uploaded.append(key)
    return report


def _held(store: Store, key: str, body: bytes) -> bool:
    """Whether the store already holds these exact bytes under `key`: the crawl stored the article, then stopped
    before its journal line (a full disk) or before the metadata record naming it reached the WARC. The store keeps
    it (objects are immutable), so the manifest must list it."""
    try:
        with store.open(key) as handle:
            return bool(handle.read() == body)
    except (NotFoundError, StoreError):
        return False


def _account_for_claim(store: Store, spool: Spool, crawl_id: str, body: bytes, stored: set[str]) -> None:
    """A crawl claims a version before storing it; stopped between the claim and its journal line, it left a claim
    no manifest lists. Whatever became of the article, the claim is in the store: the crawl's journal lists it."""
    try:
        article = json.loads(body)
        claim = version_claim_key(str(article["site"]), str(article["id"]), str(article["content_hash"]))
    except (ValueError, KeyError, TypeError):
        return
    if claim in stored:
        return
    try:
        with store.open(claim) as handle:
            found = handle.read()
    except NotFoundError:
        return
    _holder, _, holder_crawl = found.decode("utf-8", "replace").strip().partition("\n")
    if holder_crawl.strip() not in ("", crawl_id):  # another crawl's claim: its own manifest lists it
        return
    _journal(spool, crawl_id, PutResult(claim, hashlib.sha256(found).hexdigest(), len(found), created=False), "claim")
    stored.add(claim)


def _sites_of(keys: list[str]) -> list[str]:
    """The sites a crawl wrote: from its WARC and article keys only (`indexes/cdxj/...` names no site)."""
    return sorted({site for key in keys if (site := site_of(key)) is not None})


def _recovered_manifest(store: Store, spool: Spool, crawl_id: str, report: Recovery) -> None:
    if spool.journal_path(crawl_id).exists() and not store.exists(manifest_key(crawl_id)):
        entries = spool.read_journal(crawl_id)
        counts = {"objects": len(entries)}
        job = job_id_of(crawl_id)
        extra = {"job": job, "worker": crawl_id.removeprefix(job + WORKER_MARK)} if job != crawl_id else {}
        sites = _sites_of([str(e["key"]) for e in entries])
        report.manifests.append(
            write_manifest(store, spool, crawl_id, "recovered", None, utcnow(), {}, sites, counts, extra)
        )


def recover_spool(store: Store, spool: Spool) -> Recovery:
    report = Recovery(salvaged=spool.salvage_orphans())
    crawl_ids = {crawl_id_of(key) for key, _path in spool.closed_files()}
    crawl_ids |= {path.stem for path in (spool.root / "articles").glob("*.log")}
    crawl_ids |= {path.stem for path in (spool.root / "journal").glob("*.jsonl")}
    for crawl_id in sorted(crawl_ids):
        if spool.crawl_alive(crawl_id):
            continue  # another crawl on this machine (a worker of a shared crawl) stores its own files
        finish_writes(store, spool, crawl_id, report)
        try:
            _recovered_manifest(store, spool, crawl_id, report)
        except Exception as exc:
            if not _permanent(exc):
                raise
            journal = spool.journal_path(crawl_id)
            kept = quarantine(spool, journal) if journal.exists() else journal
            report.set_aside.append(f"manifest of crawl {crawl_id}: {exc} (its journal set aside as {kept})")
        pending_path(spool.root, crawl_id).unlink(missing_ok=True)
        spool.journal_path(crawl_id).unlink(missing_ok=True)
        (spool.root / "open" / f"{crawl_id}.lock").unlink(missing_ok=True)
    for line in report.set_aside:
        logger.warning("spool entry set aside: %s", line)
    return report
