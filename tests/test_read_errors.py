"""Read commands against a store that is not there: one line on stderr naming the fix, exit 2, nothing created.

The commands run in this process (`archiver.cli.main`): they start no reactor, and 21 interpreter start-ups would
cost more than the checks themselves.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archiver.cli import main
from tests.seaweed import SeaweedS3, free_port

READ_COMMANDS = [
    ["verify"],
    ["history", "http://example.ly/news/1"],
    ["snapshot", "http://example.ly/news/1"],
    ["reindex"],
    ["crawls", "list"],
    ["health"],
    ["export", "--format", "jsonl", "--out", "{tmp}/out.jsonl"],
]
IDS = [command[0] for command in READ_COMMANDS]


def _run(
    command: list[str], store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, list[str]]:
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    code = main([*args, f"--store={store}"])
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    return code, captured.out, lines


def _isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str]) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    # No shared config files, no instance-metadata lookups: only what `env` gives.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ARCHIVER_CATALOG", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("command", READ_COMMANDS, ids=IDS)
def test_missing_local_store_is_exit_2_and_nothing_is_created(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHIVER_CATALOG", raising=False)
    store = tmp_path / "no-such-archive"
    code, out, lines = _run(command, str(store), tmp_path, capsys)
    assert code == 2
    assert lines == [
        f"archiver: store {store} does not exist; pass --store with the archive directory (or crawl into it first)"
    ]
    assert out == ""
    assert not store.exists()  # history and snapshot used to create a catalog there
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("command", READ_COMMANDS, ids=IDS)
def test_missing_bucket(
    command: list[str],
    s3: SeaweedS3,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _isolate(monkeypatch, tmp_path, s3.env)
    code, _, lines = _run(command, "s3://no-such-bucket-i10/archive", tmp_path, capsys)
    assert code == 2
    assert lines == [
        "archiver: S3 bucket 'no-such-bucket-i10' does not exist; check the --store URI or create the bucket"
    ]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=IDS)
def test_unreachable_endpoint(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    _isolate(monkeypatch, tmp_path, env)
    code, _, lines = _run(command, "s3://archive/x", tmp_path, capsys)
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("archiver: S3 endpoint unreachable for s3://archive/x/")
    assert endpoint in lines[0] and lines[0].endswith("check AWS_ENDPOINT_URL")


@pytest.mark.parametrize("command", READ_COMMANDS, ids=IDS)
def test_absent_credentials(
    command: list[str],
    s3: SeaweedS3,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = {k: v for k, v in s3.env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    _isolate(monkeypatch, tmp_path, env)
    code, _, lines = _run(command, "s3://archive/x", tmp_path, capsys)
    assert code == 2
    assert lines == [
        "archiver: no S3 credentials for s3://archive/x/; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
        "(or an AWS profile)"
    ]


def test_existing_empty_bucket_still_reads(
    s3: SeaweedS3,
    bucket: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The checks above must not refuse a store that is there: an empty bucket verifies as intact."""
    _isolate(monkeypatch, tmp_path, s3.env)
    code, _, lines = _run(["verify"], f"s3://{bucket}/archive", tmp_path, capsys)
    assert code == 0, lines
    assert lines[-1].endswith("intact")
