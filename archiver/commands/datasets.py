"""`export`, `verify-export`: the researcher's datasets (library: archiver/datasets/)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.commands.common import CATALOG_HELP, STORE_HELP, iso_date

if TYPE_CHECKING:
    from archiver.datasets.selection import ExportFilter


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """The selection options `export` and `release` share (repeated --site/--language combine)."""
    parser.add_argument("--store", help=STORE_HELP)
    parser.add_argument("--site", action="append", default=[], help="only this site (repeat for several)")
    parser.add_argument("--from", dest="date_from", type=iso_date, help="published on or after DATE")
    parser.add_argument("--to", dest="date_to", type=iso_date, help="published on or before DATE")
    parser.add_argument("--language", action="append", default=[], help="ar, en, ... (repeat for several)")
    parser.add_argument("--versions", default="latest", help="latest (default) or all versions of each article")


def export_filter(args: argparse.Namespace) -> ExportFilter:
    from archiver.datasets.selection import ExportFilter

    return ExportFilter(
        sites=tuple(args.site),
        date_from=args.date_from,
        date_to=args.date_to,
        languages=tuple(args.language),
        versions=args.versions,
    )


def cmd_export(args: argparse.Namespace) -> int:
    from archiver.datasets.card import CardInfo
    from archiver.datasets.export import export
    from archiver.store import open_existing_store

    selection = export_filter(args)
    info = CardInfo.from_options(args.license, args.contact)
    store = open_existing_store(args.store)
    result = export(store, args.format, args.out, selection, bom=args.bom, info=info, catalog_url=args.catalog)
    print(f"{result.rows} articles written to {result.path}")
    print(f"  manifest: {result.manifest}\n  dataset card: {result.card}")
    return 0


def cmd_verify_export(args: argparse.Namespace) -> int:
    from archiver.datasets.verify_export import verify_export
    from archiver.store import open_existing_store

    report = verify_export(Path(args.path), open_existing_store(args.store) if args.store else None)
    for problem in report.problems:
        print(problem)
    checked = f"{report.files} files" + (f", {report.rows} rows against their WARC records" if args.store else "")
    print(f"{checked}: {'intact' if report.intact else f'{len(report.problems)} problem(s)'}", file=sys.stderr)
    return 0 if report.intact else 1


def add_dataset_commands(sub: Any) -> None:
    exp = sub.add_parser("export", help="write a dataset of archived articles")
    exp.add_argument("--format", required=True, help="jsonl, csv or parquet")
    exp.add_argument(
        "--out", required=True, help="output file, or DIR/ (or an existing directory) for a dataset folder"
    )
    add_filter_options(exp)
    exp.add_argument("--bom", action="store_true", help="CSV/JSONL: start with a UTF-8 BOM (for spreadsheets)")
    exp.add_argument("--license", help="licence of the dataset card: an SPDX id (default: other, with a note)")
    exp.add_argument("--contact", help="who to contact about the dataset, for its card (default $ARCHIVER_CONTACT)")
    exp.add_argument("--catalog", help=CATALOG_HELP + "; it describes the articles for selection and clustering")
    exp.set_defaults(handler=cmd_export)

    vex = sub.add_parser("verify-export", help="re-check an export's manifest hashes, and its rows against the store")
    vex.add_argument("path", metavar="PATH", help="the exported data file, or the dataset folder")
    vex.add_argument("--store", help="also check every row against its WARC record in this store (" + STORE_HELP + ")")
    vex.set_defaults(handler=cmd_verify_export)
