"""`schedule`, `crawls`, `health`, `worker`: archivist commands (library: archiver/ops/, archiver/distributed/)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from archiver.commands.common import CATALOG_HELP, STORE_HELP, parse_set


def cmd_schedule(args: argparse.Namespace) -> int:
    import signal

    from archiver.ops.launcher import SubprocessLauncher
    from archiver.ops.schedule import Scheduler, site_schedules, utc_now
    from archiver.ops.schedule_list import format_entries, schedule_entries
    from archiver.ops.schedule_state import ScheduleState, open_catalog
    from archiver.store import open_store

    if args.action == "run":  # every crawl it starts would refuse a mistyped --set: say so once, now
        from archiver.crawl.run.settings_check import check_overrides

        check_overrides(parse_set(args.set))
    store = open_store(args.store)
    schedules = site_schedules(args.site)
    with open_catalog(store, args.catalog) as db:
        state = ScheduleState(db)
        if args.action == "list":
            entries = schedule_entries(state, schedules, utc_now())
            as_json = json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2)
            print(as_json if args.format == "json" else format_entries(entries))
            return 0
        store.check_writable()
        settings = [f"--set={name}={value}" for name, value in parse_set(args.set).items()]
        launcher = SubprocessLauncher(store.uri, args.catalog, args.frontier, settings)
        scheduler = Scheduler(state, launcher, schedules, max_parallel=args.max_parallel)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: scheduler.stop())
        scheduler.run(args.interval, once=args.once, grace=args.grace)
    failed = [run for run in scheduler.finished if run.exit_code != 0]
    return 1 if args.once and failed else 0


def cmd_crawls(args: argparse.Namespace) -> int:
    from archiver.ops import render
    from archiver.ops.crawls import crawl_history, find_crawl
    from archiver.store import open_existing_store

    store = open_existing_store(args.store)
    if args.action == "show":
        summary = find_crawl(store, args.crawl_id)
        as_json = json.dumps(summary.as_dict(), ensure_ascii=False, indent=2)
        print(as_json if args.format == "json" else render.crawl_detail(summary))
        return 0
    entries = crawl_history(store)
    as_json = json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2)
    print(as_json if args.format == "json" else render.crawl_list(entries))
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    from archiver.ops import render
    from archiver.ops.health import check_health
    from archiver.ops.webhook import WebhookError, check_webhook_url, post_json
    from archiver.store import open_existing_store

    if args.webhook:
        check_webhook_url(args.webhook)
    report = check_health(open_existing_store(args.store), args.window, stall_days=args.stall_days)
    as_json = json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
    print(as_json if args.format == "json" else render.health(report))
    if args.webhook:
        try:
            post_json(args.webhook, report.as_dict())
        except WebhookError as exc:
            print(f"archiver: {exc}", file=sys.stderr)
    return 0 if report.healthy else 1


def cmd_worker(args: argparse.Namespace) -> int:
    import signal

    from archiver.distributed.worker import JobWorker, WorkerConfig

    config = WorkerConfig(args.frontier, args.store, args.catalog, max_jobs=args.max_jobs, poll=args.poll)
    worker = JobWorker(config)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    worker.run()
    return 0


def add_worker_command(sub: Any) -> None:
    worker = sub.add_parser("worker", help="join every crawl job announced in the frontier, until SIGTERM")
    worker.add_argument("--frontier", required=True, help="redis://HOST:PORT/DB")
    worker.add_argument("--store", help="store for this worker's WARCs (default: the one the job names)")
    worker.add_argument("--catalog", help=CATALOG_HELP)
    worker.add_argument("--max-jobs", type=int, default=1, metavar="N", help="jobs crawled at once (default 1)")
    worker.add_argument("--poll", type=float, default=1.0, help="seconds between looks for new jobs")
    worker.set_defaults(handler=cmd_worker)


def add_ops_commands(sub: Any) -> None:
    schedule = sub.add_parser("schedule", help="run the sites' cron schedules (UTC), or list them")
    schedule_actions = schedule.add_subparsers(dest="action", required=True)
    run = schedule_actions.add_parser("run", help="start due crawls until SIGTERM (or once, with --once)")
    listing = schedule_actions.add_parser("list", help="each site: cron, last run, outcome, next run")
    for parser_ in (run, listing):
        parser_.add_argument("--store", help=STORE_HELP)
        parser_.add_argument("--catalog", help=CATALOG_HELP + "; holds the schedule state and locks")
        parser_.add_argument("--site", action="append", default=[], metavar="S", help="only these sites")
        parser_.set_defaults(handler=cmd_schedule)
    listing.add_argument("--format", choices=("text", "json"), default="text")
    run.add_argument("--frontier", help="redis://HOST:PORT/DB, passed to every crawl")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a setting for every crawl")
    run.add_argument("--max-parallel", type=int, default=2, metavar="N", help="crawls at once (default 2)")
    run.add_argument("--once", action="store_true", help="start what is due, wait for those crawls, exit")
    run.add_argument("--grace", type=float, default=75.0, help="seconds a crawl gets to stop on SIGTERM")
    run.add_argument("--interval", type=float, default=30.0, help="seconds between checks (default 30)")

    crawls = sub.add_parser("crawls", help="crawl history from the manifests in the store")
    crawls_actions = crawls.add_subparsers(dest="action", required=True)
    every = crawls_actions.add_parser("list", help="every crawl, oldest first (a distributed job: one entry)")
    one = crawls_actions.add_parser("show", help="one crawl, or one distributed job, in detail")
    one.add_argument("crawl_id", metavar="ID")
    for parser_ in (every, one):
        parser_.add_argument("--store", help=STORE_HELP)
        parser_.add_argument("--format", choices=("text", "json"), default="text")
        parser_.set_defaults(handler=cmd_crawls)

    health = sub.add_parser("health", help="each site's latest crawl against its own recent crawls (exit 1: a drop)")
    health.add_argument("--store", help=STORE_HELP)
    health.add_argument("--window", type=int, default=5, metavar="N", help="earlier crawls to compare with")
    health.add_argument(
        "--stall-days",
        type=float,
        default=3.0,
        metavar="N",
        help="a backfill not finished and without progress for N days is reported as stalled (default 3)",
    )
    health.add_argument("--webhook", metavar="URL", help="also POST the report as JSON to this URL")
    health.add_argument("--format", choices=("text", "json"), default="text")
    health.set_defaults(handler=cmd_health)
