"""`serve` and `tokens`: the web app and its archivist tokens (library: archiver/web/)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from archiver.commands.common import CATALOG_HELP, STORE_HELP
from archiver.errors import ConfigError


def cmd_serve(args: argparse.Namespace) -> int:
    from archiver.store import open_existing_store
    from archiver.web.app import WebConfig
    from archiver.web.server import serve

    store = open_existing_store(args.store)  # a missing store is named before anything starts
    config = WebConfig(
        store=store.uri,
        catalog=args.catalog,
        require_login=os.environ.get("ARCHIVER_WEB_LOGIN") == "1",
        rate_per_minute=int(os.environ.get("ARCHIVER_WEB_RATE", "120")),
        rate_redis=os.environ.get("ARCHIVER_WEB_RATE_REDIS") or None,
    )

    def ready(app_origin: str, replay_origin: str) -> None:
        print(f"serving {store.uri} at {app_origin}/  (replay: {replay_origin}; Ctrl-C stops)", flush=True)

    try:
        origins = (os.environ.get("ARCHIVER_WEB_ORIGIN"), os.environ.get("ARCHIVER_REPLAY_ORIGIN"))
        return serve(
            config,
            host=args.host,
            port=args.port,
            replay_port=args.replay_port,
            on_ready=ready,
            public_origins=origins,
        )
    except KeyboardInterrupt:
        return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    from archiver.web.tokens import TokenFile

    tokens = TokenFile()
    if args.action == "create":
        info, token = tokens.create(args.name or "archivist")
        print(token)
        print(f"token {info.token_id} ({info.name}) created; it is shown once, only its hash is kept", file=sys.stderr)
    elif args.action == "list":
        print(json.dumps([t.as_dict() for t in tokens.list()], ensure_ascii=False, indent=1))
    else:
        if not args.name:
            raise ConfigError("`archiver tokens revoke` needs the token id (`archiver tokens list` shows them)")
        tokens.revoke(args.name)
        print(f"token {args.name} revoked", file=sys.stderr)
    return 0


def add_web_commands(sub: Any) -> None:
    srv = sub.add_parser("serve", help="the web app and its JSON API (replay on a second port)")
    srv.add_argument("--store", help=STORE_HELP)
    srv.add_argument("--catalog", help=CATALOG_HELP)
    srv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=8000, help="the app's port (default 8000; 0: any free one)")
    srv.add_argument("--replay-port", type=int, default=0, help="replay origin's port (default: port + 1)")
    srv.set_defaults(handler=cmd_serve)
    tok = sub.add_parser("tokens", help="archivist tokens for the web app (stored hashed)")
    tok.add_argument("action", choices=("create", "list", "revoke"))
    tok.add_argument("name", nargs="?", help="create: a name for the token; revoke: the token id")
    tok.set_defaults(handler=cmd_tokens)
