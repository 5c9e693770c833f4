"""`archiver` command line: the parser (each command's options come from its module in archiver/commands/) and
`main`, which runs the chosen handler and turns an ArchiverError into one line on stderr and its exit code."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from archiver import __version__
from archiver.commands.coverage import add_coverage_command
from archiver.commands.crawl import add_crawl_command
from archiver.commands.custody import add_custody_commands
from archiver.commands.datasets import add_dataset_commands
from archiver.commands.evidence import add_evidence_commands
from archiver.commands.extract import add_extract_command
from archiver.commands.importing import add_import_command
from archiver.commands.integrity import add_verify_command
from archiver.commands.operations import add_ops_commands, add_worker_command
from archiver.commands.release import add_release_commands
from archiver.commands.replay import add_replay_command
from archiver.commands.retrieval import add_retrieval_commands
from archiver.commands.search import add_search_command
from archiver.commands.sites import add_sites_command
from archiver.commands.web import add_web_commands
from archiver.errors import ArchiverError

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archiver", description="Libya News Archive: crawl, archive, export.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    add_crawl_command(sub)
    add_sites_command(sub)
    add_dataset_commands(sub)
    add_verify_command(sub)
    add_retrieval_commands(sub)
    add_evidence_commands(sub)
    add_ops_commands(sub)
    add_worker_command(sub)
    add_replay_command(sub)
    add_custody_commands(sub)
    add_release_commands(sub)
    add_web_commands(sub)
    add_search_command(sub)
    add_coverage_command(sub)
    add_extract_command(sub)
    add_import_command(sub)
    return parser


QUIET_LIBRARIES = ("botocore", "boto3", "s3transfer", "urllib3")


def _run_handler(args: argparse.Namespace) -> int:
    try:
        code = int(args.handler(args))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except Exception as exc:
        # A botocore error that no store method translated (a code path added later): the same one line.
        if type(exc).__module__.startswith("botocore"):
            from urllib.parse import urlsplit

            from archiver.store import default_store_uri
            from archiver.store.s3_errors import translate

            uri = getattr(args, "store", None) or default_store_uri()
            raise translate(exc, urlsplit(uri).netloc, uri, "answer") from exc
        raise


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command == "sites" and args.file is None and len(extra) == 1 and extra[0][:1] != "-":
        args.file = extra[0]  # `sites check SITE --url URL FILE`: argparse takes positionals only before an option
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        # boto3's INFO lines ("Found credentials in environment variables.") are chatter to an archivist.
        for noisy in QUIET_LIBRARIES:
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if getattr(args, "log_format", None) == "json":
        from archiver.ops.jsonlog import use_json_logging

        use_json_logging()
    try:
        return _run_handler(args)
    except BrokenPipeError:
        # The reader went away (`archiver sites list | head`): what it wanted it has; stop quietly. Standard output
        # now points at /dev/null so the interpreter's final flush cannot complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 0
    except ArchiverError as exc:
        if getattr(args, "log_format", None) == "json":  # machines get only JSON lines, the error one included
            logging.getLogger("archiver").error("archiver: %s", exc, extra={"fields": {"exit_code": exc.exit_code}})
        else:
            print(f"archiver: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("archiver: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
