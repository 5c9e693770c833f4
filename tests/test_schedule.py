"""The scheduler: due crawls start, a running site is never started twice, missed runs are caught up once, locks
expire and are taken over, state survives a restart (SQLite and PostgreSQL), and SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from archiver.catalog.db import Database
from archiver.ops.launcher import SubprocessLauncher
from archiver.ops.schedule import Scheduler, next_after
from archiver.ops.schedule_list import schedule_entries
from archiver.ops.schedule_state import ScheduleState
from tests.conftest import FAST_SETTINGS, ROOT
from tests.fixtureweb.numbered import slow_site
from tests.fixtureweb.server import FixtureWeb

SIX_HOURLY = "0 */6 * * *"
TTL = timedelta(minutes=5)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@dataclass
class FakeCrawl:
    """A started crawl that ends when the test says so (or when asked to stop, like `archiver crawl` on SIGTERM)."""

    site: str
    crawl_id: str
    code: int | None = None
    terminated: bool = False

    def poll(self) -> int | None:
        return self.code

    def terminate(self) -> None:
        self.terminated = True
        self.code = 0

    def kill(self) -> None:
        self.code = -9


@dataclass
class RecordingLauncher:
    crawls: list[FakeCrawl] = field(default_factory=list)

    def __call__(self, site: str, crawl_id: str) -> FakeCrawl:
        crawl = FakeCrawl(site, crawl_id)
        self.crawls.append(crawl)
        return crawl

    @property
    def sites(self) -> list[str]:
        return [crawl.site for crawl in self.crawls]

    def last(self, site: str) -> FakeCrawl:
        return [crawl for crawl in self.crawls if crawl.site == site][-1]


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def _postgres_user() -> str:
    for user in ("postgres", "root"):
        try:
            with psycopg.connect(f"postgresql://{user}@127.0.0.1:5432/test", connect_timeout=5):
                return user
        except psycopg.OperationalError:
            continue
    raise RuntimeError("PostgreSQL at 127.0.0.1:5432 (database test, user postgres or root) is needed")


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "catalog.sqlite")
        return
    user = _postgres_user()
    admin = f"postgresql://{user}@127.0.0.1:5432/test"
    schema = f"schedule_test_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{admin}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def db(catalog_url: str) -> Iterator[Database]:
    with Database(catalog_url) as database:
        yield database


def scheduler(db: Database, launcher: RecordingLauncher, clock: FakeClock, sites: dict[str, str], **kw) -> Scheduler:  # type: ignore[no-untyped-def]
    return Scheduler(ScheduleState(db), launcher, sites, clock, lock_ttl=TTL, **kw)


def test_due_runs_start_and_a_running_site_is_not_started_again(db: Database) -> None:
    clock, launcher = FakeClock(at(0, 30)), RecordingLauncher()
    sched = scheduler(db, launcher, clock, {"alpha": SIX_HOURLY, "beta": SIX_HOURLY})

    assert sorted(sched.tick().started) == ["alpha", "beta"]  # never crawled through this catalog: due at once
    clock.set(at(3))
    assert sched.tick().started == []
    launcher.last("beta").code = 0  # beta finishes; alpha is still crawling at 06:00
    clock.set(at(6))
    report = sched.tick()
    assert report.started == ["beta"]
    assert [f.site for f in report.finished] == ["beta"]
    assert launcher.sites == ["alpha", "beta", "beta"]
    clock.set(at(7))
    assert sched.tick().started == []  # alpha overran its 06:00 slot but is still running

    state = sched.state
    alpha, beta = state.get("alpha"), state.get("beta")
    assert alpha is not None and beta is not None
    assert alpha.outcome == "running" and alpha.last_started == at(0, 30) and alpha.next_run == at(6)
    assert beta.outcome == "running" and beta.last_started == at(6) and beta.next_run == at(12)
    assert state.lock("alpha") is not None and state.lock("alpha").owner == sched.owner  # type: ignore[union-attr]

    launcher.last("alpha").code = 1  # alpha fails; its missed 06:00 run is caught up at once, once
    clock.set(at(7, 5))
    report = sched.tick()
    assert report.started == ["alpha"]
    assert [(f.site, f.outcome) for f in report.finished] == [("alpha", "failed (exit 1)")]
    assert state.get("alpha").next_run == at(12)  # type: ignore[union-attr]


def test_downtime_over_five_due_times_is_caught_up_exactly_once(db: Database) -> None:
    clock, launcher = FakeClock(at(0, 30)), RecordingLauncher()
    first = scheduler(db, launcher, clock, {"alpha": SIX_HOURLY})
    first.tick()
    launcher.last("alpha").code = 0
    clock.set(at(1))
    first.tick()
    first.shutdown(grace=1)

    # Down from 01:00 until 07:30 the next day: 06:00, 12:00, 18:00, 00:00 and 06:00 were missed.
    clock.set(at(7, 30, day=2))
    missed, due = [], at(1)
    while (due := next_after(SIX_HOURLY, due)) <= clock():
        missed.append(due)
    assert len(missed) == 5
    second = scheduler(db, launcher, clock, {"alpha": SIX_HOURLY})
    assert second.tick().started == ["alpha"]
    launcher.last("alpha").code = 0
    for minute in range(31, 60, 7):
        clock.set(at(7, minute, day=2))
        assert second.tick().started == []
    assert launcher.sites == ["alpha", "alpha"]
    assert second.state.get("alpha").next_run == at(12, day=2)  # type: ignore[union-attr]


def test_a_fresh_lock_is_respected_and_a_stale_one_taken_over(db: Database) -> None:
    clock, launcher = FakeClock(at(0, 30)), RecordingLauncher()
    state = ScheduleState(db)
    assert state.try_lock("alpha", "other-host:1:dead", at(0, 28), TTL)  # expires 00:33
    sched = scheduler(db, launcher, clock, {"alpha": SIX_HOURLY})

    report = sched.tick()
    assert report.started == [] and report.locked_elsewhere == ["alpha"]
    clock.set(at(0, 32))
    assert sched.tick().locked_elsewhere == ["alpha"]

    clock.set(at(0, 34))  # the other scheduler stopped heartbeating: its lock is stale
    assert sched.tick().started == ["alpha"]
    lock = state.lock("alpha")
    assert lock is not None and lock.owner == sched.owner and lock.expires_at == at(0, 39)
    assert not state.try_lock("alpha", "other-host:1:dead", at(0, 35), TTL)


def test_heartbeat_keeps_the_lock_and_a_lost_lock_stops_the_crawl(db: Database) -> None:
    clock, launcher = FakeClock(at(0, 30)), RecordingLauncher()
    sched = scheduler(db, launcher, clock, {"alpha": SIX_HOURLY})
    sched.tick()
    for minute in (34, 38, 42):
        clock.set(at(0, minute))
        sched.tick()
    state = sched.state
    assert state.lock("alpha").expires_at == at(0, 47)  # type: ignore[union-attr]
    assert not state.try_lock("alpha", "rival", at(0, 46), TTL)

    # This scheduler stalls past its lock's expiry; a rival takes the lock; the stalled one must stop its crawl.
    assert state.try_lock("alpha", "rival", at(0, 48), TTL)
    clock.set(at(0, 49))
    sched.tick()
    crawl = launcher.last("alpha")
    assert crawl.terminated
    clock.set(at(0, 50))
    sched.tick()
    assert "alpha" not in sched.running
    assert state.lock("alpha").owner == "rival"  # type: ignore[union-attr]


def test_state_survives_a_restart_on_the_same_database(catalog_url: str) -> None:
    clock, launcher = FakeClock(at(0, 30)), RecordingLauncher()
    with Database(catalog_url) as db:
        crashed = scheduler(db, launcher, clock, {"alpha": SIX_HOURLY, "beta": SIX_HOURLY})
        crashed.tick()
        launcher.last("beta").code = 0
        clock.set(at(0, 31))
        crashed.tick()
        # The process dies here: no shutdown, alpha's lock stays behind until it expires.

    clock.set(at(0, 33))
    with Database(catalog_url) as db:
        restarted = scheduler(db, launcher, clock, {"alpha": SIX_HOURLY, "beta": SIX_HOURLY})
        assert restarted.owner != crashed.owner
        entries = {e.site: e for e in schedule_entries(restarted.state, restarted.schedules, clock())}
        assert entries["alpha"].outcome == "running" and entries["alpha"].last_run == "2026-03-01T00:30:00Z"
        assert entries["alpha"].lock is not None and "stale" not in entries["alpha"].lock
        assert entries["beta"].outcome == "ok" and entries["beta"].last_finished == "2026-03-01T00:31:00Z"
        assert entries["beta"].next_run == "2026-03-01T06:00:00Z"
        assert restarted.tick().started == []

        clock.set(at(6))  # due again; the crashed scheduler's lock expired at 00:35
        entries = {e.site: e for e in schedule_entries(restarted.state, restarted.schedules, clock())}
        assert entries["alpha"].lock is not None and entries["alpha"].lock.endswith("(stale)")
        assert sorted(restarted.tick().started) == ["alpha", "beta"]
        assert restarted.state.lock("alpha").owner == restarted.owner  # type: ignore[union-attr]


def test_max_parallel_and_shutdown_release_every_lock(db: Database) -> None:
    clock, launcher = FakeClock(at(0, 30)), RecordingLauncher()
    sched = scheduler(db, launcher, clock, {s: SIX_HOURLY for s in ("alpha", "beta", "gamma")}, max_parallel=2)
    report = sched.tick()
    assert report.started == ["alpha", "beta"] and report.waiting == ["gamma"]
    sched.stop()
    assert sched.tick().started == []  # stopping: no new crawls
    sched.shutdown(grace=5)
    assert all(crawl.terminated for crawl in launcher.crawls)
    assert sched.state.locks() == {}
    assert sched.state.get("alpha").outcome == "stopped: scheduler shut down (exit 0)"  # type: ignore[union-attr]
    assert sched.state.get("gamma").outcome is None  # type: ignore[union-attr]


def test_once_starts_each_due_site_once_and_waits_for_them(db: Database) -> None:
    clock = FakeClock(at(0, 30))

    def now() -> datetime:  # every minute is due, and each check is two minutes later
        clock.advance(minutes=2)
        return clock()

    class InstantLauncher(RecordingLauncher):
        def __call__(self, site: str, crawl_id: str) -> FakeCrawl:
            crawl = super().__call__(site, crawl_id)
            crawl.code = 0
            return crawl

    launcher = InstantLauncher()
    sites = {s: "* * * * *" for s in ("alpha", "beta", "gamma")}
    sched = Scheduler(ScheduleState(db), launcher, sites, now, max_parallel=1, lock_ttl=TTL)
    sched.run(interval=0.01, once=True, grace=1)
    assert launcher.sites == ["alpha", "beta", "gamma"]
    assert [(f.site, f.outcome) for f in sched.finished] == [("alpha", "ok"), ("beta", "ok"), ("gamma", "ok")]
    assert sched.state.locks() == {}


def test_next_after_is_strictly_later() -> None:
    assert next_after(SIX_HOURLY, at(6)) == at(12)
    assert next_after("30 */4 * * *", at(0, 30)) == at(4, 30)


def test_launcher_builds_the_crawl_command() -> None:
    launcher = SubprocessLauncher("file:///srv/archive", "postgresql://db/catalog", "redis://r:6379/0")
    assert launcher.command("lana", "c-1")[1:] == [
        "-m",
        "archiver.cli",
        "crawl",
        "lana",
        "--crawl-id",
        "c-1",
        "--store",
        "file:///srv/archive",
        "--catalog",
        "postgresql://db/catalog",
        "--frontier",
        "redis://r:6379/0",
    ]


# A test-only registered site: profiles are data read from the package, so processes started with this folder on
# PYTHONPATH load one more profile (the fixture site's) at start-up; everything else runs as in production.
def test_sigterm_stops_the_scheduler_its_crawl_and_releases_the_lock(tmp_path: Path) -> None:
    site = slow_site("127.0.0.21", count=40, delay=0.2)
    store, catalog = tmp_path / "archive", tmp_path / "catalog.sqlite"
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    with FixtureWeb([site]):
        profile = profiles / "fixture-sched.toml"
        profile.write_text(
            'id = "fixture-sched"\nname = "Fixture"\nlanguage = "ar"\ndomains = ["127.0.0.21"]\n'
            f'start_urls = ["{site.url("/")}"]\nschedule = "*/5 * * * *"\n'
        )
        env = {**os.environ, "ARCHIVER_PROFILES_DIR": str(profiles)}  # an archive's own site, beside the bundled ones
        fast = [f"--set={setting}" for setting in FAST_SETTINGS]
        command = ["schedule", "run", "--site=fixture-sched", f"--store={store}", f"--catalog={catalog}"]
        proc = subprocess.Popen(
            [sys.executable, "-m", "archiver.cli", *command, "--interval=0.2", "--grace=60", *fast],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 120
            while not site.fetched("/news/") and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
            assert site.fetched("/news/"), "the scheduled crawl never reached the fixture site"
            with Database(str(catalog)) as db:
                assert ScheduleState(db).lock("fixture-sched") is not None
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err[-3000:]
    with Database(str(catalog)) as db:
        state = ScheduleState(db)
        assert state.locks() == {}
        run = state.get("fixture-sched")
    assert run is not None and run.outcome == "stopped: scheduler shut down (exit 0)", run
    # The crawl stopped gracefully: Scrapy finished its in-flight requests and the manifest was written.
    manifest = json.loads((store / "crawls" / str(run.crawl_id) / "manifest.json").read_text())
    assert manifest["finish_reason"] == "shutdown"
    assert 1 <= len(site.fetched("/news/")) < 40


def test_schedule_list_json_gives_a_time_for_every_site(tmp_path: Path) -> None:
    """Never run through this catalog: due now, given as a time a script can compare, not a phrase."""
    proc = subprocess.run(
        [sys.executable, "-m", "archiver.cli", "schedule", "list", "--format", "json", f"--store={tmp_path}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    before = datetime.now(UTC)
    entries = json.loads(proc.stdout)
    assert entries
    for entry in entries:
        when = datetime.fromisoformat(entry["next_run"].replace("Z", "+00:00"))
        assert entry["due"] is True and before - timedelta(minutes=5) < when <= before, entry


def test_schedule_list_after_a_cron_change_gives_the_new_due_time(db: Database) -> None:
    state = ScheduleState(db)
    state.plan("alpha", SIX_HOURLY, at(6), at(0, 30))
    entries = {e.site: e for e in schedule_entries(state, {"alpha": "0 3 * * *", "beta": SIX_HOURLY}, at(4))}
    assert entries["alpha"].next_run == "2026-03-02T03:00:00Z" and not entries["alpha"].due
    assert entries["beta"].next_run == "2026-03-01T04:00:00Z" and entries["beta"].due
