"""`release`, `verify-release`: citable, sealed dataset releases (library: archiver/release/)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from archiver.commands.common import CATALOG_HELP, STORE_HELP
from archiver.commands.custody import tsa_setting
from archiver.commands.datasets import add_filter_options, export_filter
from archiver.errors import ConfigError


def cmd_release(args: argparse.Namespace) -> int:
    from pathlib import Path

    from archiver.datasets.card import CardInfo
    from archiver.release.build import build_release
    from archiver.release.seal import SealOptions
    from archiver.store import open_existing_store

    selection = export_filter(args)
    result = build_release(
        open_existing_store(args.store),
        args.name,
        args.version,
        args.format,
        Path(args.out),
        selection,
        CardInfo.from_options(args.license, args.contact),
        SealOptions(tsa_urls=tuple(args.tsa) or tsa_setting()),
        catalog_url=args.catalog,
    )
    sealed = "signed" if result.signed else "not signed (no key: `archiver keys init`)"
    stamped = "timestamped" if result.timestamped else "not timestamped"
    print(f"release {args.name} {args.version}: {result.rows} rows, {result.files} files in {result.path}")
    print(f"  sealed by release-digest.json; {sealed}; {stamped}")
    return 0


def cmd_verify_release(args: argparse.Namespace) -> int:
    from pathlib import Path

    from archiver.custody.record import bytes_item, file_item, try_append
    from archiver.release.verify import verify_release
    from archiver.store import open_existing_store

    store = open_existing_store(args.store) if args.store else None
    folder = Path(args.path)
    trust = []
    for path in args.trust:
        try:
            trust.append(Path(path).read_bytes())
        except OSError as exc:
            raise ConfigError(f"cannot read the trusted certificate {path}: {exc.strerror}") from exc
    report = verify_release(folder, store, trust)
    for problem in report.problems:
        print(problem)
    if store is not None:
        outcome = "intact" if report.intact else f"{len(report.problems)} problem(s)"
        text = "\n".join(report.problems).encode("utf-8")
        try_append(
            store, "verify", [file_item(folder / "release.json")], [bytes_item(f"verify-release: {outcome}", text)]
        )
    checked = f"release {report.name} {report.version}: {report.files} files, {report.rows} rows"
    checked += f", {report.custody_lines} custody lines" + (" against the store" if store else "")
    print(f"{checked}: {'intact' if report.intact else f'{len(report.problems)} problem(s)'}", file=sys.stderr)
    if report.intact:
        print(f"signed by {report.signer}" if report.signer else "not signed", file=sys.stderr)
        if report.timestamp:
            print(f"sealed no later than {report.timestamp}", file=sys.stderr)
    return 0 if report.intact else 1


def add_release_commands(sub: Any) -> None:
    rel = sub.add_parser("release", help="a citable dataset release: export, CITATION.cff, DataCite JSON, hashes")
    rel.add_argument("--name", required=True, help="the dataset's title")
    rel.add_argument("--version", required=True, help="its version (e.g. 2026.11 or 1.0.0)")
    rel.add_argument("--out", required=True, help="the release folder to create (must not exist)")
    rel.add_argument("--format", default="jsonl", help="jsonl (default), csv or parquet")
    add_filter_options(rel)
    rel.add_argument("--catalog", help=CATALOG_HELP + "; it describes the articles for selection and clustering")
    rel.add_argument("--license", help="an SPDX id (default: other, with a note)")
    rel.add_argument("--contact", help="who to contact about the dataset (default $ARCHIVER_CONTACT)")
    rel.add_argument(
        "--tsa",
        action="append",
        default=[],
        metavar="URL",
        help="RFC 3161 time-stamping authority; repeat for fallbacks (default $ARCHIVER_TSA)",
    )
    rel.set_defaults(handler=cmd_release)

    vrel = sub.add_parser("verify-release", help="re-check a release folder: seal, hashes, rows, custody lines")
    vrel.add_argument("path", metavar="DIR", help="the folder `archiver release` wrote")
    vrel.add_argument("--trust", action="append", default=[], metavar="CERT", help="PEM certificate to require")
    vrel.add_argument("--store", help="also check rows and custody lines against this store (" + STORE_HELP + ")")
    vrel.set_defaults(handler=cmd_verify_release)
