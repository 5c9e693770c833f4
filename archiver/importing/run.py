"""One import from start to end: the store, the spool, the archive writer, extraction of each HTML response into an
article version, the manifest, the custody line and the catalog. Files (files.py) and Wayback captures
(wayback.py) both go through an ImportRun."""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.catalog.catalog import Catalog
from archiver.catalog.prior import PriorCaptures
from archiver.crawl.archive.crawl_archive import ArticleDraft, CaptureRef, CrawlArchive, ExtractionEvidence
from archiver.crawl.archive.recovery import recover_spool
from archiver.crawl.archive.spool import Spool
from archiver.custody.log import Item
from archiver.custody.record import record_crawl, record_import
from archiver.errors import ArchiverError, StoreError
from archiver.store import Store, open_store
from archiver.store.layout import CRAWLS_PREFIX, article_key, import_manifest_keys, new_import_id
from archiver.warc.records import utcnow

logger = logging.getLogger(__name__)
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class InputOutcome:
    """What became of one input: a WARC file (alone or inside a WACZ), or one Wayback capture list."""

    name: str  # as given (a WACZ member: `x.wacz#archive/data.warc.gz`; Wayback: the URL prefix)
    sha256: str | None = None  # of the bytes as they arrived
    size: int | None = None
    kind: str = "warc"  # "warc", "wacz" (its WARC files follow as their own inputs) or "wayback"
    status: str = "imported"  # "imported", or "already imported" (same sha256 in an earlier import)
    already_in: str | None = None  # the earlier import's id
    warc_key: str | None = None  # where it is stored (files made elsewhere)
    reframed: bool = False  # records re-framed as one gzip member each (a plain .warc, or one gzip stream)
    stored_sha256: str | None = None  # of the stored file, when reframed
    records: int = 0
    responses: int = 0
    articles: int = 0
    skipped: int = 0  # Wayback captures already imported by an earlier run

    def as_dict(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if value is not None}


@dataclass
class ImportResult:
    import_id: str | None  # None when nothing new was imported (every input known)
    manifest: str | None
    inputs: list[InputOutcome]
    counts: dict[str, int] = field(default_factory=dict)


def writable_store(uri: str | None) -> tuple[Store, Spool]:
    """The store and its spool, after storing what an interrupted crawl or import left in the spool (so a Wayback
    import resumed after a kill sees the captures the killed one had written, and skips them)."""
    store = open_store(uri)
    store.check_writable()
    spool = Spool.for_store(store)
    for recovered in recover_spool(store, spool).manifests:
        record_crawl(store, recovered)
    return store, spool


def known_imports(store: Store) -> dict[str, str]:
    """sha256 -> import id of every input file earlier imports took in (read from their manifests)."""
    known: dict[str, str] = {}
    keys = import_manifest_keys([info.key for info in store.list(CRAWLS_PREFIX)])
    for key in keys:
        try:
            with store.open(key) as handle:
                manifest = json.loads(handle.read())
        except (ArchiverError, OSError, ValueError) as exc:
            logger.warning("import manifest %s unreadable (%s): its files are not recognised", key, exc)
            continue
        for entry in (manifest.get("import") or {}).get("inputs", []):
            if entry.get("sha256") and entry.get("status") == "imported":
                known.setdefault(str(entry["sha256"]), str(manifest.get("crawl_id")))
    return known


class ImportRun:
    """Owned by one import command. `capture_fields`: the warcinfo lines of the WARC files the import writes."""

    def __init__(
        self,
        store: Store,
        spool: Spool,
        settings: dict[str, Any],
        capture_fields: list[tuple[str, str]],
        catalog: str | None,
    ) -> None:
        self.store = store
        self.catalog_url = catalog
        self.spool = spool
        self.started = utcnow()
        self.import_id = new_import_id(self.started, secrets.token_hex(3))
        self.settings = settings
        self.archive = CrawlArchive(
            store,
            self.spool,
            self.import_id,
            self.started,
            settings,
            prior=PriorCaptures(),
            capture_fields=capture_fields,
        )
        self.inputs: list[InputOutcome] = []
        self.custody_inputs: list[Item] = []

    def check(self) -> None:
        if self.archive.broken is not None:
            raise StoreError(f"store write failed ({self.archive.broken}); run the import again")

    # -- one response -----------------------------------------------------------------------------------------
    def add_article(
        self, capture: CaptureRef, headers: dict[str, str], body: bytes, outcome: InputOutcome
    ) -> dict[str, str] | None:
        """Extract an article from an HTML response (body as stored: still transfer- and content-coded) and record
        its version (a new one, or the version with the same text). Returns the fields of its article link (for
        the CDXJ index of a WARC made elsewhere), or None when the page is no article."""
        from archiver.bounded import decode_body, decode_max_size
        from archiver.extraction.page import parse_page
        from archiver.extraction.pagetype import is_article, link_density
        from archiver.extraction.profile_check import extract_with_evidence
        from archiver.sites import profile_for_host, site_id_for_url

        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if content_type.split(";", 1)[0].strip().lower() not in HTML_TYPES:
            return None
        decoded = decode_body(body, headers, decode_max_size())
        try:
            page = parse_page(decoded.data, capture.url, headers)
            found = profile_for_host(urlsplit(capture.url).hostname)
            article, profile, selectors, layers = extract_with_evidence(page, headers, found)
        except Exception:  # noqa: BLE001 - one page that cannot be read must not stop the import of the rest
            logger.exception("extraction failed on %s (capture %s)", capture.url, capture.record_id)
            self.archive.counts["extraction_errors"] += 1
            return None
        patterns = found.article_url_patterns if found else ()
        if not is_article(article, capture.url, link_density(page.tree), patterns):
            return None
        site = site_id_for_url(capture.url)
        data = dict(article, site=site, capture=capture.as_dict())
        evidence = ExtractionEvidence(profile.id if profile else None, selectors, layers)
        existing = article_key(site, str(data["id"]), capture.fetched_at)
        if self.store.exists(existing):
            # The same capture came in before (from another file holding it, or another archive's copy): its
            # version is already stored under the key its capture time gives; this capture shows that version.
            draft: ArticleDraft | None = ArticleDraft(site, data, capture, existing, None, True, None, evidence)
        else:
            draft = self.archive.draft_article(site, data, capture, capture.fetched_at, evidence)
        if draft is None:
            self.check()
            return None
        holder = self.archive.claim_version(draft) if draft.claim_key is not None else None
        key = self.archive.record_article(draft, holder)
        self.check()
        outcome.articles += 1
        new = draft.body is not None and holder == draft.key
        return {
            "article-key": key,
            "content-hash": str(data["content_hash"]),
            "article-title": str(data.get("title") or ""),
            "article-version": "new" if new else "same",
        }

    # -- end --------------------------------------------------------------------------------------------------
    def finish(self, extra: dict[str, Any]) -> ImportResult:
        """Close and publish every WARC, write the manifest, the custody line, the catalog and the search index."""
        from archiver.search.open import update_search

        manifest = self.archive.close(utcnow(), {"import": {"inputs": [i.as_dict() for i in self.inputs], **extra}})
        record_import(self.store, manifest, self.custody_inputs)
        catalog = Catalog.open(self.store, self.catalog_url)
        try:
            catalog.sync()
            update_search(catalog)
        finally:
            catalog.close()
        return ImportResult(self.import_id, manifest, self.inputs, dict(self.archive.counts))


def work_dir(spool: Spool, name: str) -> Path:
    """A folder in the spool where an import prepares its input files before any store write (the caller removes
    it when the import ends, whatever the outcome)."""
    folder = spool.root / "importing" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
