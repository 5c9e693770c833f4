"""Bad input: one clear line on stderr, exit 2, nothing half-written."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.cli import build_parser
from tests.conftest import ROOT, CrawledArchive, archiver, crawl_args
from tests.fixtureweb.server import FixtureWeb
from tests.seaweed import free_port


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("archiver:")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_unknown_site(tmp_path: Path) -> None:
    run = archiver("crawl", "no-such-outlet", f"--store={tmp_path / 'a'}")
    assert run.returncode == 2
    assert "unknown site 'no-such-outlet'" in _one_line(run.stderr) and "archiver sites list" in run.stderr
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(
    "url", ["not a url", "ftp://example.org/", "http://", "http://host:99999/", "http://[::1/", "http://[::1]:70000/"]
)
def test_malformed_start_url(tmp_path: Path, url: str) -> None:
    run = archiver("crawl", f"--start-url={url}", f"--store={tmp_path / 'a'}")
    assert run.returncode == 2
    assert "malformed start URL" in _one_line(run.stderr)
    assert not (tmp_path / "a").exists()


def test_unwritable_store(tmp_path: Path) -> None:
    # A regular file where the store directory should be: unwritable even for root.
    blocker = tmp_path / "file"
    blocker.write_text("a file where the store directory should be")
    run = archiver(*crawl_args("http://127.0.0.9:9/", store=str(blocker / "archive")))
    assert run.returncode == 2
    assert "not writable" in _one_line(run.stderr)


def test_unreachable_s3_store(tmp_path: Path) -> None:
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    run = archiver(*crawl_args("http://127.0.0.9:9/", store="s3://nowhere/x"), env=env)
    assert run.returncode == 2
    assert "S3" in _one_line(run.stderr)


def test_unknown_export_format_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "out.xml"
    run = archiver("export", "--format", "xml", "--out", str(out), f"--store={tmp_path}")
    assert run.returncode == 2
    assert "unknown export format" in _one_line(run.stderr)
    assert list(tmp_path.iterdir()) == []


def test_empty_selection_exits_3_without_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    (tmp_path / "empty").mkdir()  # an archive with nothing in it (a store that does not exist is exit 2)
    run = archiver("export", "--format", "jsonl", "--out", str(out), f"--store={tmp_path / 'empty'}")
    assert run.returncode == 3
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl*"))
    assert run.stderr.count("\n") == 1, run.stderr


def test_bad_set_option(tmp_path: Path) -> None:
    run = archiver("crawl", "--start-url=http://127.0.0.9:9/", f"--store={tmp_path / 'a'}", "--set", "NOEQUALS")
    assert run.returncode == 2
    assert "--set NAME=VALUE" in _one_line(run.stderr)


def test_with_json_logs_the_error_line_is_json_too() -> None:
    run = archiver("crawl", "--start-url=ftp://example.ly/", "--log-format=json")
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "ERROR" and entry["exit_code"] == 2 and "http://" in entry["message"]


def test_export_into_an_existing_directory_is_never_a_traceback(crawled: CrawledArchive, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    run = archiver("export", "--format", "jsonl", "--out", str(out), f"--store={crawled.store}")
    assert "Traceback" not in run.stderr
    if run.returncode == 0:  # a build that writes dataset folders: the data is under DIR/data/
        assert list((out / "data").iterdir())
    else:  # otherwise one line naming the fix, and nothing half-written in the directory
        assert run.returncode == 2 and "names a directory" in _one_line(run.stderr)
        assert list(out.iterdir()) == []


def test_a_reader_that_stops_early_ends_the_output_quietly() -> None:
    """`archiver sites list | head -1`: the pipe closes before the command writes; no BrokenPipeError traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", "sites", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # long before the interpreter has started and printed anything
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert stderr == ""


def test_every_store_option_says_what_it_takes() -> None:
    parser = build_parser()
    with_store = []

    def walk(parser_: argparse.ArgumentParser, path: str) -> None:
        for action in parser_._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, f"{path} {name}".strip())
            elif "--store" in action.option_strings:
                with_store.append(path)
                assert action.help, f"archiver {path} --store has no help text"

    walk(parser, "")
    for command in ("crawl", "export", "verify", "history", "snapshot", "reindex", "crawls list", "health"):
        assert command in with_store


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("DOWNLOAD_MAXSIZE=abc", "DOWNLOAD_MAXSIZE takes a whole number"),
        ("ROBOTSTXT_OBEY=perhaps", "ROBOTSTXT_OBEY takes true or false"),
        ("DOWNLOAD_DELAY=soon", "DOWNLOAD_DELAY takes a number"),
        ("ITEM_PIPELINES=[1, 2]", "ITEM_PIPELINES takes a JSON object"),
    ],
)
def test_a_mistyped_setting_stops_before_the_crawl(tmp_path: Path, setting: str, expected: str) -> None:
    run = archiver("crawl", "--start-url=http://127.0.0.9:9/", f"--store={tmp_path / 'a'}", f"--set={setting}")
    assert run.returncode == 2
    assert expected in _one_line(run.stderr)
    assert not (tmp_path / "a").exists()  # nothing written, nothing fetched


def test_the_scheduler_refuses_a_mistyped_setting_before_it_starts_crawls(tmp_path: Path) -> None:
    run = archiver("schedule", "run", "--once", f"--store={tmp_path / 'a'}", "--set=DOWNLOAD_MAXSIZE=abc")
    assert run.returncode == 2
    assert "DOWNLOAD_MAXSIZE takes a whole number" in _one_line(run.stderr)
    assert not (tmp_path / "a").exists()


def test_settings_scrapy_reads_as_numbers_still_pass(tmp_path: Path) -> None:
    from archiver.crawl.run.settings_check import check_overrides

    check_overrides({"DOWNLOAD_TIMEOUT": "2.5", "ROBOTSTXT_OBEY": "False", "CONCURRENT_REQUESTS": "4", "X_NEW": "?"})


def test_a_crawl_that_reached_nothing_fails_and_says_why(tmp_path: Path) -> None:
    closed = f"http://127.0.0.9:{free_port('127.0.0.9')}/"
    run = archiver(*crawl_args(closed, store=str(tmp_path / "a"), extra=("--set=RETRY_TIMES=0",)))
    assert run.returncode == 1
    line = _one_line(run.stderr)
    assert "nothing was captured from any start URL" in line and "could not be reached" in line
    assert "ConnectionRefused" in line


def test_a_crawl_that_robots_txt_kept_out_fails_and_says_why(tmp_path: Path) -> None:
    from tests.fixtureweb.server import Reply, Site

    closed = Site("closed", "127.0.0.62")
    closed.add("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /\n", content_type="text/plain"))
    closed.add("/", Reply(body=b"<html><body><a href='/news/1'>one</a></body></html>"))
    down = Site("down", "127.0.0.63")
    down.add("/robots.txt", Reply(503, b"maintenance", "text/plain"))
    down.add("/", Reply(body=b"<html><body>never fetched</body></html>"))
    open_ = Site("open", "127.0.0.64")
    open_.add("/", Reply(body=b"<html><body><p>a listing with no links</p></body></html>"))
    with FixtureWeb([closed, down, open_]):
        refused = archiver(*crawl_args(closed.url("/"), store=str(tmp_path / "a")))
        unavailable = archiver(*crawl_args(down.url("/"), store=str(tmp_path / "b")))
        some = archiver(*crawl_args(closed.url("/"), open_.url("/"), store=str(tmp_path / "c")))
    assert refused.returncode == 1
    assert "robots.txt disallows the start URLs" in _one_line(refused.stderr)
    assert unavailable.returncode == 1
    assert "robots.txt was unreachable or refused" in _one_line(unavailable.stderr)
    assert [p for p in closed.fetched("/") + down.fetched("/") if p != "/robots.txt"] == []
    assert some.returncode == 0, some.stderr[-2000:]  # one start URL answered: the crawl did its job
