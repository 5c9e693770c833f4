"""Crawl progress: the extension's numbers and outputs, the JSON log format, and a real crawl with JSON logs."""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

import pytest

from archiver.crawl.archive.progress import CrawlProgress
from archiver.ops.jsonlog import JsonLogFormatter
from tests.conftest import archiver, crawl_args
from tests.fixtureweb.numbered import slow_site
from tests.fixtureweb.server import FixtureWeb

PROGRESS_FIELDS = {"event", "elapsed_s", "pages", "articles", "errors", "pages_per_min", "queued", "in_flight"}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_snapshot_counts_pages_articles_errors_rate_and_queue() -> None:
    stats = {
        "response_received_count": 30,
        "item_scraped_count": 12,
        "downloader/exception_count": 2,
        "downloader/response_status_count/503": 1,
        "downloader/response_status_count/404": 5,
    }
    clock = Clock()
    progress = CrawlProgress(10.0, lambda: stats, lambda: 7, clock=clock)
    clock.now = 130.0
    first = progress.snapshot()
    assert first == {
        "event": "progress",
        "elapsed_s": 30.0,
        "pages": 30,
        "articles": 12,
        "errors": 3,
        "pages_per_min": 60.0,
        "queued": 7,
        "in_flight": None,
    }
    stats["response_received_count"] = 40
    clock.now = 140.0
    assert progress.snapshot()["pages_per_min"] == 60.0  # 10 pages in the last 10 s
    clock.now = 160.0
    assert progress.snapshot(final=True)["pages_per_min"] == 40.0  # the final report: 40 pages in 60 s


def test_a_terminal_gets_one_line_rewritten_in_place() -> None:
    terminal = io.StringIO()
    stats = {"response_received_count": 1}
    progress = CrawlProgress(1.0, lambda: stats, live=terminal, clock=Clock())
    progress.report()
    stats["response_received_count"] = 2
    progress.report(final=True)
    output = terminal.getvalue()
    assert output.count("\r") == 2 and output.endswith("\n") and output.count("\n") == 1
    assert "1 pages, 0 articles" in output and "2 pages, 0 articles, 0 errors" in output
    assert "? queued, ? downloading" in output and output.rstrip().endswith("(final)\x1b[K")


def test_without_a_terminal_each_report_is_a_log_record_with_fields(caplog: pytest.LogCaptureFixture) -> None:
    progress = CrawlProgress(1.0, lambda: {"item_scraped_count": 4}, lambda: 0, clock=Clock())
    with caplog.at_level(logging.INFO, logger="archiver.crawl.archive.progress"):
        progress.report(final=True)
    (record,) = caplog.records
    assert record.getMessage().startswith("progress: 0 pages, 4 articles")
    assert record.fields["event"] == "progress_final" and record.fields["articles"] == 4  # type: ignore[attr-defined]
    line = json.loads(JsonLogFormatter().format(record))
    assert (
        set(line) >= PROGRESS_FIELDS and line["level"] == "INFO" and line["logger"] == "archiver.crawl.archive.progress"
    )


def test_json_log_lines_carry_exceptions_and_stay_one_line() -> None:
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", ("مرحبا\nworld",), sys.exc_info())
    text = JsonLogFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "failed: مرحبا\nworld" and "ValueError: bad" in line["exception"]


def test_a_crawl_with_json_logs_writes_only_json_lines_with_progress(tmp_path: Path) -> None:
    site = slow_site("127.0.0.21", count=8, delay=0.3)
    extra = ("--log-format=json", "--set=ARCHIVER_PROGRESS_INTERVAL=0.2", "--set=CONCURRENT_REQUESTS_PER_DOMAIN=1")
    with FixtureWeb([site]):
        run = archiver(*crawl_args(site.url("/"), store=str(tmp_path), extra=extra))
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [json.loads(line) for line in run.stderr.splitlines()]  # every line is JSON
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    progress = [line for line in lines if line.get("event", "").startswith("progress")]
    assert all(set(line) >= PROGRESS_FIELDS for line in progress)
    assert [line["event"] for line in progress].count("progress_final") == 1
    assert progress[-1]["event"] == "progress_final" and progress[-1]["articles"] == 8
    periodic = [line for line in progress if line["event"] == "progress"]
    assert periodic, "no periodic progress during a crawl of several seconds"
    assert all(isinstance(line["queued"], int) and isinstance(line["in_flight"], int) for line in periodic)
    assert "articles: 8" in run.stdout
