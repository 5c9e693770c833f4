"""One small database interface over SQLite (the embedded default) and PostgreSQL (shared by several machines).

SQL is written once with `?` placeholders and portable types; PostgreSQL gets `%s`. Every catalog table is derived
from the store (or, for the scheduler, is operational state) and can be dropped and rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.errors import ArchiverError, ConfigError

Row = tuple[Any, ...]


class CatalogDamagedError(ArchiverError):
    """The catalog file is not a readable database (exit 1). It is derived data: `archiver reindex` rebuilds it."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"catalog {path} is damaged ({detail}): run `archiver reindex` to set it aside and rebuild it from "
            "the store"
        )
        self.path = path


@contextmanager
def _damage_checked(path: Path | None) -> Iterator[None]:
    """SQLite reports a damaged file as DatabaseError ('file is not a database', 'disk image is malformed');
    OperationalError (a lock, a full disk) is another matter and passes through."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if path is None or isinstance(exc, sqlite3.OperationalError):
            raise
        raise CatalogDamagedError(path, str(exc)) from exc


SCHEMA_LOCK_KEY = 0x4C4E41  # any constant: the advisory lock that serialises schema creation ("LNA")


class Database:
    """A connection with a lock (the crawl's store-write threads and the reactor thread may share it)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._depth = 0
        self.path: Path | None = None
        if url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgresql"
            try:
                import psycopg
            except ImportError as exc:  # pragma: no cover - a dependency of the project
                raise ConfigError("--catalog postgresql://...: install psycopg (make install does)") from exc
            try:
                self._pg = psycopg.connect(url, autocommit=True)
            except psycopg.OperationalError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ConfigError(f"cannot connect to catalog {redact(url)}: {first}") from exc
        else:
            self.dialect = "sqlite"
            self.path = path = sqlite_path(url)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._sqlite = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
            with _damage_checked(path):
                self._sqlite.execute("PRAGMA journal_mode=WAL")
                self._sqlite.execute("PRAGMA synchronous=NORMAL")

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        with self._lock:
            if self.dialect == "postgresql":
                with self._pg.cursor() as cur:
                    cur.execute(self._sql(sql), params)
                    return int(cur.rowcount)
            with _damage_checked(self.path):
                return int(self._sqlite.execute(sql, params).rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            if self.dialect == "postgresql":
                with self._pg.cursor() as cur:
                    cur.executemany(self._sql(sql), list(rows))
            else:
                with _damage_checked(self.path):
                    self._sqlite.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            if self.dialect == "postgresql":
                with self._pg.cursor() as cur:
                    cur.execute(self._sql(sql), params)
                    return [tuple(r) for r in cur.fetchall()]
            with _damage_checked(self.path):
                return list(self._sqlite.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def has_table(self, name: str) -> bool:
        if self.dialect == "postgresql":
            return self.one("SELECT to_regclass(?) IS NOT NULL", (name,)) == (True,)
        return self.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None

    def create_schema(self, statements: Iterable[str]) -> None:
        """Run CREATE ... IF NOT EXISTS statements once, even when several processes start together: PostgreSQL
        races on concurrent CREATE TABLE IF NOT EXISTS (a unique violation in pg_type), so they run under one
        transaction-scoped advisory lock there; SQLite's BEGIN IMMEDIATE already serialises them."""
        with self.transaction():
            if self.dialect == "postgresql":
                self.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK_KEY,))
            for statement in statements:
                self.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """All statements inside commit together (nested uses join the outer transaction)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self.dialect == "postgresql":
                self._pg.close()
            else:
                self._sqlite.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def set_aside(path: Path) -> Path:
    """Move a damaged SQLite catalog (and its WAL files) out of the way, never deleting it (it is evidence)."""
    from archiver.warc.records import utcnow

    target = path.with_name(f"{path.name}.damaged-{utcnow():%Y%m%dT%H%M%SZ}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            os.replace(source, target.with_name(target.name + suffix))
    return target


def sqlite_path(url: str) -> Path:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite://") :])
    if "://" in url:
        raise ConfigError(f"--catalog {url!r}: give a file path, sqlite:///abs/path or postgresql://...")
    return Path(url)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def default_catalog_url(store_uri: str, local_root: Path | None) -> str:
    """$ARCHIVER_CATALOG, else a SQLite file beside a local store, else one per store URI in the user's cache."""
    if configured := os.environ.get("ARCHIVER_CATALOG"):
        return configured
    if local_root is not None:
        return str(local_root / ".catalog" / "catalog.sqlite")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tag = hashlib.sha256(store_uri.encode()).hexdigest()[:16]
    return str(cache / "libya-news-archiver" / "catalog" / f"{tag}.sqlite")
