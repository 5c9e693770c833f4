"""Shared fixtures: the fixture news web (once per run), SeaweedFS S3 (once per run), and the archiver CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtureweb.server import FixtureWeb
from tests.fixtureweb.sites import all_sites
from tests.seaweed import SeaweedS3, seaweed_s3

ROOT = Path(__file__).resolve().parent.parent
# Loopback sites answer at once; keep politeness machinery on but its waits short.
FAST_SETTINGS = [
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_START_DELAY=0",
    "AUTOTHROTTLE_MAX_DELAY=1",
    "DOWNLOAD_TIMEOUT=20",
    "RETRY_TIMES=1",
]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def archiver(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> Run:
    """Run the real CLI in a subprocess (Twisted's reactor runs once per process)."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "archiver.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def crawl_args(*start_urls: str, store: str, extra: tuple[str, ...] = ()) -> list[str]:
    args = ["crawl", *(f"--start-url={u}" for u in start_urls), f"--store={store}"]
    args += [f"--set={s}" for s in FAST_SETTINGS]
    return [*args, *extra]


@pytest.fixture(scope="session")
def web() -> Iterator[FixtureWeb]:
    with FixtureWeb(all_sites()) as fixture_web:
        yield fixture_web


@dataclass
class CrawledArchive:
    store: Path
    run: Run
    web: FixtureWeb


@pytest.fixture(scope="session")
def crawled(web: FixtureWeb, tmp_path_factory: pytest.TempPathFactory) -> CrawledArchive:
    """One crawl of the whole fixture web into a local store, shared by the tests that inspect its output."""
    store = tmp_path_factory.mktemp("archive")
    starts = [f"{site.origin}/" for site in web.sites.values()]
    run = archiver(*crawl_args(*starts, store=str(store)))
    assert run.returncode == 0, run.stderr[-4000:]
    return CrawledArchive(store, run, web)


@pytest.fixture(scope="session")
def s3() -> Iterator[SeaweedS3]:
    with seaweed_s3() as server:
        yield server


@pytest.fixture(scope="session")
def s3_client(s3: SeaweedS3):  # type: ignore[no-untyped-def]
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=s3.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=s3.env["AWS_SECRET_ACCESS_KEY"],
        region_name=s3.env["AWS_DEFAULT_REGION"],
    )


@pytest.fixture
def bucket(s3_client, request: pytest.FixtureRequest) -> str:  # type: ignore[no-untyped-def]
    import time

    name = "t-" + request.node.name.lower().replace("_", "-")[:40].strip("-")
    for attempt in range(30):
        try:
            s3_client.create_bucket(Bucket=name)
            return name
        except Exception:  # noqa: BLE001 - SeaweedFS needs a moment for its first volume
            if attempt == 29:
                raise
            time.sleep(1)
    return name


@pytest.fixture
def postgres_catalog() -> Iterator[str]:
    """A throwaway database on the machine's PostgreSQL (trust auth on 127.0.0.1:5432), dropped afterwards."""
    import secrets

    import psycopg

    name = f"catalog_{secrets.token_hex(4)}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield f"postgresql://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def served_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The web app (`archiver serve`) over a crawled and recrawled fixture archive, once per run."""
    from tests.webapp import served_archive as serve

    with serve(tmp_path_factory.mktemp("webapp")) as served:
        yield served


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium per test session (Debian's package, driven by Playwright; no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],  # fmt: skip
        )
        try:
            yield chromium
        finally:
            chromium.close()
