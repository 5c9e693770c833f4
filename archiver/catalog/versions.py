"""What the catalog keeps about each stored article version, so an export can select and cluster without reading
the article JSON again: the selection fields (site, language, publication time, section, authors, content hash),
the fields that pick a near-duplicate cluster's canonical row (URLs, original source, times), and the
near-duplicate material (the body's paragraph hashes and the MinHash signature of its text).

Rows are keyed by the article JSON's store key. Stored objects never change, so a row never goes stale; `features`
records the version of the near-duplicate computation that made it, and a row of another version is ignored (and
replaced when the article is next read). Like the rest of the catalog it is derived data: `archiver reindex` drops
it, and the next export or crawl fills it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any

from archiver.catalog.db import Database

TABLE = "article_versions"
LOOKUP_BATCH = 500  # keys per query: well under every database's limit on parameters


def schema(dialect: str) -> list[str]:
    blob = "BYTEA" if dialect == "postgresql" else "BLOB"
    return [
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            article_key TEXT PRIMARY KEY, article_id TEXT NOT NULL, site TEXT, language TEXT, published_at TEXT,
            published_utc TEXT, fetched_at TEXT, url TEXT, canonical_url TEXT, source_url TEXT, source_name TEXT,
            section TEXT, authors TEXT, content_hash TEXT, features INTEGER NOT NULL, paragraphs {blob},
            signature {blob}, bands {blob})""",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_by_site ON {TABLE} (site, language, published_at)",
    ]


@dataclass(frozen=True)
class ArticleVersion:
    """One stored article version as the catalog holds it (the column order of the table)."""

    article_key: str
    article_id: str
    site: str | None
    language: str | None
    published_at: str | None  # as published, with its offset
    published_utc: str | None  # the same instant, `...Z`
    fetched_at: str | None  # capture.fetched_at as recorded
    url: str | None
    canonical_url: str | None
    source_url: str | None  # original_source.url of a repost
    source_name: str | None  # original_source.name
    section: str | None
    authors: str | None  # JSON list
    content_hash: str | None
    features: int  # the version of the near-duplicate computation below
    paragraphs: bytes  # sorted distinct 64-bit paragraph hashes (int64, native order)
    signature: bytes | None  # MinHash of the title and text (uint64, native order); None for an empty text
    bands: bytes | None  # the signature's band keys for locality-sensitive lookup (int64, native order)

    def selection_fields(self) -> dict[str, Any]:
        """The fields an export's filter reads, as the article JSON has them."""
        return {"site": self.site, "language": self.language, "published_at": self.published_at}

    def author_list(self) -> list[str]:
        value: list[str] = json.loads(self.authors) if self.authors else []
        return value


COLUMNS = tuple(item.name for item in fields(ArticleVersion))


def _row(values: Sequence[Any]) -> ArticleVersion:
    # PostgreSQL returns bytea as bytes or memoryview depending on the driver's settings: always bytes here.
    named = dict(zip(COLUMNS, values, strict=True))
    paragraphs, signature, bands = named.pop("paragraphs"), named.pop("signature"), named.pop("bands")
    return ArticleVersion(
        **named,
        paragraphs=bytes(paragraphs) if paragraphs is not None else b"",
        signature=bytes(signature) if signature is not None else None,
        bands=bytes(bands) if bands is not None else None,
    )


def known_versions(db: Database, keys: Sequence[str], features: int) -> dict[str, ArticleVersion]:
    """The rows of `keys` made by near-duplicate computation `features` (at most LOOKUP_BATCH keys a query)."""
    found: dict[str, ArticleVersion] = {}
    for start in range(0, len(keys), LOOKUP_BATCH):
        batch = keys[start : start + LOOKUP_BATCH]
        marks = ", ".join("?" for _ in batch)
        sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE article_key IN ({marks}) AND features = ?"
        for values in db.query(sql, (*batch, features)):
            version = _row(values)
            found[version.article_key] = version
    return found


def save_versions(db: Database, versions: Iterable[ArticleVersion]) -> int:
    """Insert or replace these rows in one transaction; returns how many."""
    rows = [astuple(version) for version in versions]
    if not rows:
        return 0
    marks = ", ".join("?" for _ in COLUMNS)
    updates = ", ".join(f"{name} = excluded.{name}" for name in COLUMNS[1:])
    with db.transaction():
        db.executemany(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({marks}) "
            f"ON CONFLICT (article_key) DO UPDATE SET {updates}",
            rows,
        )
    return len(rows)


def missing_keys(
    db: Database, features: int, sites: Sequence[str] = (), after: str = "", limit: int = 500
) -> list[str]:
    """Article keys the catalog's captures name (of these sites, or all) that have no row of `features` yet: the
    first `limit` after `after`, in the database's order of keys."""
    where = ["c.article_key IS NOT NULL", "c.article_key > ?"]
    params: list[Any] = [features, after]
    if sites:
        where.append(f"c.site IN ({', '.join('?' for _ in sites)})")
        params.extend(sites)
    sql = (
        f"SELECT DISTINCT c.article_key FROM captures c LEFT JOIN {TABLE} v "
        f"ON v.article_key = c.article_key AND v.features = ? WHERE {' AND '.join(where)} AND v.article_key IS NULL "
        f"ORDER BY c.article_key LIMIT {int(limit)}"
    )
    return [str(row[0]) for row in db.query(sql, params)]


def clear_versions(db: Database) -> None:
    db.execute(f"DELETE FROM {TABLE}")
