"""Bad input: one clear line on stderr, exit 2, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import archiver, crawl_args
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


@pytest.mark.parametrize("url", ["not a url", "ftp://example.org/", "http://", "http://host:99999/"])
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
