"""The catalog: one row per capture (response, revisit or not-modified), built from the store's CDXJ indexes.

It is a cache. `sync()` ingests the crawls whose manifests it has not seen (one listing of `crawls/` per call);
`reindex()` drops everything and rebuilds from the store alone: every CDXJ file, plus an index computed on the
fly for any WARC file that has none. A fact-checker on a fresh machine needs nothing but the store.
"""

from __future__ import annotations

import json
import time
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.catalog.cdxj import REVISIT_MIME, index_warc, parse_line, urlkey
from archiver.catalog.db import CatalogDamagedError, Database, default_catalog_url, set_aside
from archiver.catalog.prior import PriorCaptures
from archiver.catalog.versions import clear_versions
from archiver.catalog.versions import schema as versions_schema
from archiver.custody.record import record_reindex
from archiver.errors import ConfigError, NotFoundError
from archiver.store import Store
from archiver.store.layout import (
    CRAWLS_PREFIX,
    WARC_PREFIX,
    WARC_SUFFIX,
    article_id_of,
    cdxj_key,
    is_imported_warc,
    is_manifest_key,
    site_of,
    site_of_warc,
)

SCHEMA_VERSION = "2"  # 2: article_versions (archiver/catalog/versions.py) added beside captures
CAPTURE_COLUMNS = (
    "record_id",
    "urlkey",
    "url",
    "captured_at",
    "status",
    "record_type",
    "mime",
    "digest",
    "warc_file",
    "record_offset",
    "record_length",
    "site",
    "article_id",
    "article_key",
    "content_hash",
    "title",
    "version",
    "etag",
    "last_modified",
    "detail",
)
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS catalog_meta (name TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE IF NOT EXISTS catalog_sources (key TEXT PRIMARY KEY, kind TEXT)",
    """CREATE TABLE IF NOT EXISTS captures (
        record_id TEXT PRIMARY KEY, urlkey TEXT NOT NULL, url TEXT NOT NULL, captured_at TEXT NOT NULL,
        status INTEGER, record_type TEXT, mime TEXT, digest TEXT, warc_file TEXT NOT NULL,
        record_offset BIGINT NOT NULL, record_length BIGINT NOT NULL, site TEXT, article_id TEXT, article_key TEXT,
        content_hash TEXT, title TEXT, version TEXT, etag TEXT, last_modified TEXT, detail TEXT)""",
    "CREATE INDEX IF NOT EXISTS captures_by_url ON captures (urlkey, captured_at)",
    "CREATE INDEX IF NOT EXISTS captures_by_site ON captures (site, captured_at)",
]


@dataclass(frozen=True)
class CaptureRow:
    """One capture as the catalog knows it (a CDXJ line with its place in the store)."""

    record_id: str
    urlkey: str
    url: str
    captured_at: str
    status: int | None
    record_type: str
    mime: str | None
    digest: str | None
    warc_file: str
    record_offset: int
    record_length: int
    site: str | None
    article_id: str | None
    article_key: str | None
    content_hash: str | None
    title: str | None
    version: str | None
    etag: str | None
    last_modified: str | None
    detail: str | None

    @property
    def extra(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.detail) if self.detail else {}
        return value

    @property
    def payload_digest(self) -> str | None:
        return f"sha1:{self.digest}" if self.digest and self.digest != "-" else None


@dataclass(frozen=True)
class ReindexReport:
    captures: int
    index_files: int
    warcs_indexed_on_the_fly: int
    seconds: float


def _row_of(line: bytes | str) -> tuple[Any, ...]:
    key, _stamp, fields = parse_line(line)
    warc_file = fields["filename"]
    article = fields.get("article")
    status = fields.get("status")
    detail = {k: fields[k] for k in ("request", "metadata", "refers_to_uri", "refers_to_date") if k in fields}
    return (
        fields["record_id"],
        key,
        fields["url"],
        fields["date"],
        int(status) if status and str(status).isdigit() else None,
        "revisit" if fields.get("mime") == REVISIT_MIME else "response",
        fields.get("mime"),
        fields.get("digest"),
        warc_file,
        int(fields["offset"]),
        int(fields["length"]),
        _site_of_row(warc_file, article, fields["url"]),
        article_id_of(article) if article else None,
        article,
        fields.get("content_hash"),
        fields.get("title"),
        fields.get("version"),
        fields.get("etag"),
        fields.get("last_modified"),
        json.dumps(detail, sort_keys=True) if detail else None,
    )


def _site_of_row(warc_file: str, article: str | None, url: str) -> str | None:
    """The site a capture belongs to: its WARC file's site folder; for a WARC file made elsewhere (imported, it may
    hold many sites) the site of the article it gave, else the site its URL names (archiver.sites)."""
    if not is_imported_warc(warc_file):
        return site_of_warc(warc_file)
    if article and (site := site_of(article)):
        return site
    from archiver.sites import site_id_for_url  # only imported rows need the site registry

    return site_id_for_url(url)


class Catalog:
    def __init__(self, store: Store, db: Database) -> None:
        self.store = store
        self.db = db
        if not self.db.has_table("captures"):  # a lookup should not pay for a write transaction
            self.db.create_schema([*SCHEMA, *versions_schema(self.db.dialect)])
        owner = self.db.one("SELECT value FROM catalog_meta WHERE name = 'store'")
        if owner is None:
            self.db.execute(
                "INSERT INTO catalog_meta (name, value) VALUES ('store', ?), ('schema', ?) ON CONFLICT DO NOTHING",
                (store.uri, SCHEMA_VERSION),
            )
        elif owner[0] != store.uri:
            raise ConfigError(f"catalog {db.url} indexes the store {owner[0]}, not {store.uri}: give another --catalog")
        else:
            self._migrate()

    def _migrate(self) -> None:
        """Bring a catalog made by older code to SCHEMA_VERSION. Schema 1 lacked article_versions: it is created
        (empty: exports and crawls fill it as they read articles); the captures are kept as they are."""
        found = self.db.one("SELECT value FROM catalog_meta WHERE name = 'schema'")
        if found is not None and str(found[0]).isdigit() and int(found[0]) >= int(SCHEMA_VERSION):
            return
        self.db.create_schema(versions_schema(self.db.dialect))
        with self.db.transaction():
            self.db.execute("DELETE FROM catalog_meta WHERE name = 'schema'")
            self.db.execute("INSERT INTO catalog_meta (name, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))

    @classmethod
    def open(cls, store: Store, url: str | None = None) -> Catalog:
        """The catalog of `store`; CatalogDamagedError when its SQLite file is not a readable database."""
        from archiver.store.local import LocalStore

        root = store.root if isinstance(store, LocalStore) else None
        return cls(store, Database(url or default_catalog_url(store.uri, root)))

    def close(self) -> None:
        self.db.close()

    # -- building ---------------------------------------------------------------------------------------------
    def _ingest_lines(self, lines: Iterable[bytes | str]) -> int:
        rows = [_row_of(line) for line in lines if line.strip()]
        placeholders = ", ".join("?" for _ in CAPTURE_COLUMNS)
        self.db.executemany(
            f"INSERT INTO captures ({', '.join(CAPTURE_COLUMNS)}) VALUES ({placeholders}) ON CONFLICT DO NOTHING",
            rows,
        )
        return len(rows)

    def _ingest_warc(self, warc_key: str) -> int:
        """Ingest one WARC file's captures: from its CDXJ file, or indexed on the fly when it has none."""
        index = cdxj_key(warc_key)
        if self.db.one("SELECT 1 FROM catalog_sources WHERE key = ?", (index,)):
            return 0
        if self.store.exists(index):
            with self.store.open(index) as handle:
                count = self._ingest_lines(handle.read().splitlines())
        else:
            with self.store.open(warc_key) as handle:
                count = self._ingest_lines(index_warc(handle, warc_key))
        self.db.execute("INSERT INTO catalog_sources (key, kind) VALUES (?, 'cdxj') ON CONFLICT DO NOTHING", (index,))
        return count

    def sync(self) -> int:
        """Ingest the crawls finished since the last call; returns the number of captures added."""
        known = {row[0] for row in self.db.query("SELECT key FROM catalog_sources WHERE kind = 'manifest'")}
        added = 0
        for info in self.store.list(CRAWLS_PREFIX):
            if not is_manifest_key(info.key) or info.key in known:
                continue
            with self.store.open(info.key) as handle:
                manifest = json.load(handle)
            with self.db.transaction():
                for entry in manifest.get("objects", []):
                    if entry.get("kind") == "warc":
                        added += self._ingest_warc(str(entry["key"]))
                self.db.execute(
                    "INSERT INTO catalog_sources (key, kind) VALUES (?, 'manifest') ON CONFLICT DO NOTHING",
                    (info.key,),
                )
        return added

    def reindex(self) -> ReindexReport:
        """Drop the catalog and rebuild it from the store alone."""
        started = time.monotonic()
        with self.db.transaction():
            self.db.execute("DELETE FROM captures")
            self.db.execute("DELETE FROM catalog_sources")
            clear_versions(self.db)  # refilled as exports and crawls next read the articles
            files = on_the_fly = 0
            for info in self.store.list(WARC_PREFIX):
                if not info.key.endswith(WARC_SUFFIX):
                    continue
                on_the_fly += not self.store.exists(cdxj_key(info.key))
                self._ingest_warc(info.key)
                files += 1
            for info in self.store.list(CRAWLS_PREFIX):
                if is_manifest_key(info.key):
                    self.db.execute("INSERT INTO catalog_sources (key, kind) VALUES (?, 'manifest')", (info.key,))
        row = self.db.one("SELECT COUNT(*) FROM captures")
        return ReindexReport(int(row[0]) if row else 0, files, on_the_fly, time.monotonic() - started)

    # -- lookups ----------------------------------------------------------------------------------------------
    def _rows(self, where: str, params: tuple[Any, ...]) -> list[CaptureRow]:
        sql = f"SELECT {', '.join(CAPTURE_COLUMNS)} FROM captures WHERE {where} ORDER BY captured_at, record_id"
        return [CaptureRow(*row) for row in self.db.query(sql, params)]

    def captures(self, url: str) -> list[CaptureRow]:
        """Every capture of `url`, oldest first; NotFoundError when there is none."""
        rows = self._rows("urlkey = ?", (urlkey(url),))
        if not rows:
            raise NotFoundError(f"no capture of {url} in {self.store.uri} (check the URL, or run `archiver crawl`)")
        return rows

    def capture_by_digest(self, url: str, digest: str, before: str) -> CaptureRow | None:
        """The full response a revisit of `url` refers to: same payload digest, captured no later."""
        rows = self._rows(
            "urlkey = ? AND digest = ? AND record_type = 'response' AND captured_at <= ?",
            (urlkey(url), digest, before),
        )
        return rows[-1] if rows else None

    def site_rows(self, sites: Iterable[str]) -> Iterator[CaptureRow]:
        for site in sorted(set(sites)):
            yield from self._rows("site = ?", (site,))

    def all_rows(self, sites: Iterable[str] = ()) -> list[CaptureRow]:
        """Every capture of these sites (of every site when none is named), oldest first."""
        if sites:
            return sorted(self.site_rows(sites), key=lambda r: (r.captured_at, r.record_id))
        return self._rows("1 = 1", ())

    def prior_captures(self, sites: Iterable[str], stored: Container[str] | None = None) -> PriorCaptures:
        """What a new crawl of these sites needs to write revisits, conditional requests and new versions only.

        `stored`: the article keys the store really holds; a version whose JSON is not among them is ignored (an
        article counts as archived only once its JSON is stored, whatever its metadata record says)."""
        prior = PriorCaptures()
        for row in self.site_rows(sites):
            if row.status is not None and 200 <= row.status < 300 and row.payload_digest:
                original_date = row.extra.get("refers_to_date") if row.record_type == "revisit" else None
                prior.payloads[row.url] = (row.payload_digest, original_date or row.captured_at)
                if row.etag or row.last_modified:
                    prior.validators[row.url] = (row.etag, row.last_modified)
            if row.article_key and row.article_id and row.content_hash:
                if stored is not None and row.article_key not in stored:
                    continue
                prior.article_urls.add(row.url)
                if row.version == "new":
                    prior.versions[row.article_id] = (row.content_hash, row.article_key)
        return prior


def rebuild_catalog(store: Store, url: str | None = None) -> tuple[ReindexReport, Path | None]:
    """`archiver reindex`: rebuild the catalog from the store. A damaged SQLite catalog (found when opened or while
    rebuilding) is first moved aside as `{name}.damaged-{time}`, never deleted; returns where it went."""
    moved: Path | None = None
    for _attempt in range(2):
        try:
            catalog = Catalog.open(store, url)
            try:
                report = catalog.reindex()
                record_reindex(store)
                return report, moved
            finally:
                catalog.close()
        except CatalogDamagedError as exc:
            if moved is not None:
                raise
            moved = set_aside(exc.path)
    raise AssertionError("unreachable")
