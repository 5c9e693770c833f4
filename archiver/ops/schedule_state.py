"""The scheduler's operational state in the catalog database: one row per site (last run, outcome, next run) and
one lock row per site, so no two schedulers (on one machine or many sharing PostgreSQL) crawl a site at once.

Times are stored as fixed-width UTC text (`2026-11-29T08:00:00Z`), so they compare correctly as strings on both
SQLite and PostgreSQL. A lock has an owner and an expiry that the owner's heartbeat extends; a lock whose expiry
has passed was left by a scheduler that died, and anyone may take it over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from archiver.catalog.db import Database, default_catalog_url
from archiver.store import Store

STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS schedule_state (
        site TEXT PRIMARY KEY,
        cron TEXT NOT NULL,
        next_run TEXT NOT NULL,
        last_started TEXT,
        last_finished TEXT,
        outcome TEXT,
        exit_code INTEGER,
        crawl_id TEXT,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS schedule_locks (
        site TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        acquired_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )""",
)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class SiteState:
    site: str
    cron: str
    next_run: datetime
    last_started: datetime | None
    last_finished: datetime | None
    outcome: str | None
    exit_code: int | None
    crawl_id: str | None


@dataclass(frozen=True)
class SiteLock:
    site: str
    owner: str
    acquired_at: datetime
    expires_at: datetime

    def stale(self, now: datetime) -> bool:
        return self.expires_at < now


class ScheduleState:
    """Reads and writes the `schedule_` tables; every call is one statement, so it is safe to share the database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.create_schema(SCHEMA)

    # -- per-site run state ----------------------------------------------------------------------------------------
    def get(self, site: str) -> SiteState | None:
        row = self.db.one(
            "SELECT site, cron, next_run, last_started, last_finished, outcome, exit_code, crawl_id"
            " FROM schedule_state WHERE site = ?",
            (site,),
        )
        return _state(row) if row else None

    def all(self) -> dict[str, SiteState]:
        rows = self.db.query(
            "SELECT site, cron, next_run, last_started, last_finished, outcome, exit_code, crawl_id FROM schedule_state"
        )
        return {row[0]: _state(row) for row in rows}

    def plan(self, site: str, cron: str, next_run: datetime, now: datetime) -> None:
        """Set when the site is next due (a new site, or its cron expression changed)."""
        self.db.execute(
            "INSERT INTO schedule_state (site, cron, next_run, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (site) DO UPDATE SET cron = excluded.cron, next_run = excluded.next_run,"
            " updated_at = excluded.updated_at",
            (site, cron, stamp(next_run), stamp(now)),
        )

    def started(self, site: str, crawl_id: str, now: datetime, next_run: datetime) -> None:
        self.db.execute(
            "UPDATE schedule_state SET last_started = ?, last_finished = NULL, outcome = 'running', exit_code = NULL,"
            " crawl_id = ?, next_run = ?, updated_at = ? WHERE site = ?",
            (stamp(now), crawl_id, stamp(next_run), stamp(now), site),
        )

    def finished(self, site: str, crawl_id: str, outcome: str, exit_code: int | None, now: datetime) -> None:
        """Record how crawl `crawl_id` ended (a no-op if another scheduler has started a newer crawl since)."""
        self.db.execute(
            "UPDATE schedule_state SET last_finished = ?, outcome = ?, exit_code = ?, updated_at = ?"
            " WHERE site = ? AND crawl_id = ?",
            (stamp(now), outcome, exit_code, stamp(now), site, crawl_id),
        )

    # -- locks -----------------------------------------------------------------------------------------------------
    def try_lock(self, site: str, owner: str, now: datetime, ttl: timedelta) -> bool:
        """Take the site's lock if it is free, stale (expired) or already ours; True when we hold it now."""
        changed = self.db.execute(
            "INSERT INTO schedule_locks (site, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (site) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at,"
            " expires_at = excluded.expires_at"
            " WHERE schedule_locks.expires_at < excluded.acquired_at OR schedule_locks.owner = excluded.owner",
            (site, owner, stamp(now), stamp(now + ttl)),
        )
        return changed == 1

    def heartbeat(self, site: str, owner: str, now: datetime, ttl: timedelta) -> bool:
        """Extend our lock; False when it is no longer ours (it went stale and another scheduler took it)."""
        changed = self.db.execute(
            "UPDATE schedule_locks SET expires_at = ? WHERE site = ? AND owner = ?",
            (stamp(now + ttl), site, owner),
        )
        return changed == 1

    def release(self, site: str, owner: str) -> None:
        self.db.execute("DELETE FROM schedule_locks WHERE site = ? AND owner = ?", (site, owner))

    def lock(self, site: str) -> SiteLock | None:
        row = self.db.one("SELECT site, owner, acquired_at, expires_at FROM schedule_locks WHERE site = ?", (site,))
        if row is None:
            return None
        return SiteLock(row[0], row[1], parse_stamp(row[2]), parse_stamp(row[3]))

    def locks(self) -> dict[str, SiteLock]:
        rows = self.db.query("SELECT site, owner, acquired_at, expires_at FROM schedule_locks")
        return {r[0]: SiteLock(r[0], r[1], parse_stamp(r[2]), parse_stamp(r[3])) for r in rows}


def open_catalog(store: Store, catalog_url: str | None) -> Database:
    """The catalog database given with --catalog, else the default one for this store."""
    from archiver.store.local import LocalStore

    local_root = store.root if isinstance(store, LocalStore) else None
    return Database(catalog_url or default_catalog_url(store.uri, local_root))


def _state(row: tuple[object, ...]) -> SiteState:
    def when(value: object) -> datetime | None:
        return parse_stamp(str(value)) if value else None

    exit_code = row[6]
    return SiteState(
        site=str(row[0]),
        cron=str(row[1]),
        next_run=parse_stamp(str(row[2])),
        last_started=when(row[3]),
        last_finished=when(row[4]),
        outcome=str(row[5]) if row[5] is not None else None,
        exit_code=int(str(exit_code)) if exit_code is not None else None,
        crawl_id=str(row[7]) if row[7] is not None else None,
    )
