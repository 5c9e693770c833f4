"""`sites list|show|check`: the registered site profiles (library: archiver/sites.py, archiver/ops/site_check.py)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from archiver.errors import ConfigError


def cmd_sites(args: argparse.Namespace) -> int:
    if args.action != "check" and (args.file or args.url):
        raise ConfigError("FILE and --url belong to `archiver sites check`")
    if args.action != "list" and not args.site:
        raise ConfigError(f"`archiver sites {args.action}` needs a SITE id")
    return {"list": _list, "show": _show, "check": _check}[args.action](args)


def _list(args: argparse.Namespace) -> int:
    from archiver.sites import profiles

    print(f"{'SITE':<16} {'LANG':<4} {'DOMAIN':<28} NAME")
    for profile in profiles().values():
        overridden = f"  (overridden by {profile.overridden_by})" if profile.overridden_by else ""
        print(f"{profile.id:<16} {profile.language:<4} {profile.domains[0]:<28} {profile.name}{overridden}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from archiver.sites import get_profile

    print(json.dumps(get_profile(args.site).as_dict(), ensure_ascii=False, indent=2))
    return 0


def _check(args: argparse.Namespace) -> int:
    from archiver.ops.site_check import check_site_page, render_text

    check = check_site_page(args.site, args.url, args.file)
    print(json.dumps(check.as_dict(), ensure_ascii=False, indent=2) if args.format == "json" else render_text(check))
    return 0


def add_sites_command(sub: Any) -> None:
    sites = sub.add_parser("sites", help="registered site profiles")
    sites.add_argument("action", nargs="?", choices=("list", "show", "check"), default="list")
    sites.add_argument("site", nargs="?")
    sites.add_argument("file", nargs="?", help="check: a saved page of the site (- for standard input)")
    sites.add_argument("--url", help="check: the page's address (fetched when no FILE is given)")
    sites.add_argument("--format", choices=("text", "json"), default="text", help="check: output format")
    sites.set_defaults(handler=cmd_sites)
