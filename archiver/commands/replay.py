"""`archiver replay`: pywb on the store, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

DEFAULT_PORT = 8080


def _stop(*_: Any) -> None:
    raise SystemExit(0)  # unwinds run_replay, which stops pywb and removes its temporary configuration


def cmd_replay(args: argparse.Namespace) -> int:
    from archiver.replay import COLLECTION, ReplaySetup, run_replay
    from archiver.store import open_store

    store = open_store(args.store)

    def ready(setup: ReplaySetup) -> None:
        print(f"replaying {store.uri} at {setup.collection_url}", flush=True)
        print(f"  every capture of a URL: {setup.base_url}/{COLLECTION}/*/URL   (Ctrl-C stops)", flush=True)

    signal.signal(signal.SIGTERM, _stop)
    try:
        return run_replay(store, port=args.port, host=args.host, on_ready=ready)
    except KeyboardInterrupt:
        print("archiver: replay stopped", file=sys.stderr)
        return 0


def add_replay_command(sub: Any) -> None:
    replay = sub.add_parser("replay", help="browse the archive's captures with pywb (installed by make install)")
    replay.add_argument(
        "--store", help="path, file:///abs/path or s3://bucket/prefix (default $ARCHIVER_STORE or ./archive)"
    )
    replay.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default {DEFAULT_PORT}; 0: any free one)"
    )
    replay.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    replay.set_defaults(handler=cmd_replay)
