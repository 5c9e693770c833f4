"""`archiver schedule list`: each site's cron expression, last run, outcome and next run, from the catalog."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from archiver.ops.schedule import next_after
from archiver.ops.schedule_state import ScheduleState, stamp


@dataclass(frozen=True)
class ScheduleEntry:
    site: str
    cron: str
    last_run: str | None  # when the last scheduled crawl started
    last_finished: str | None
    outcome: str | None  # ok, failed (exit N), running, stopped: ..., or None when never run
    crawl_id: str | None
    next_run: str  # due time (ISO 8601, UTC); a time at or before now means "due now"
    lock: str | None  # who holds the site's lock, and whether it went stale
    due: bool = False  # next_run has come: a running scheduler starts the site on its next tick

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def schedule_entries(state: ScheduleState, schedules: Mapping[str, str], now: datetime) -> list[ScheduleEntry]:
    rows, locks = state.all(), state.locks()
    entries = []
    for site, cron in schedules.items():
        row = rows.get(site)
        lock = locks.get(site)
        held = None
        if lock is not None:
            held = f"{lock.owner} until {stamp(lock.expires_at)}" + (" (stale)" if lock.stale(now) else "")
        if row is None or row.cron != cron:
            # What the scheduler's next tick will plan: a site never run through this catalog is due at once, a
            # changed cron expression counts from now.
            planned = now if row is None else next_after(cron, now)
            entries.append(ScheduleEntry(site, cron, None, None, None, None, stamp(planned), held, planned <= now))
            continue
        entries.append(
            ScheduleEntry(
                site=site,
                cron=cron,
                last_run=stamp(row.last_started) if row.last_started else None,
                last_finished=stamp(row.last_finished) if row.last_finished else None,
                outcome=row.outcome,
                crawl_id=row.crawl_id,
                next_run=stamp(row.next_run),
                lock=held,
                due=row.next_run <= now,
            )
        )
    return entries


def format_entries(entries: list[ScheduleEntry]) -> str:
    header = f"{'SITE':<16} {'CRON':<16} {'LAST RUN':<21} {'OUTCOME':<24} {'NEXT RUN':<21} CRAWL"
    lines = [header]
    for e in entries:
        next_run = "due now" if e.due else e.next_run
        lines.append(
            f"{e.site:<16} {e.cron:<16} {e.last_run or 'never':<21} {e.outcome or '-':<24} {next_run:<21} "
            f"{e.crawl_id or '-'}" + (f"  [lock: {e.lock}]" if e.lock else "")
        )
    return "\n".join(lines)
