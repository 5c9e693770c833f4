"""Offline means offline, and expected events are one line: what a crawl prints, and what it connects to."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import FAST_SETTINGS, ROOT, archiver, crawl_args
from tests.fixtureweb.server import FixtureWeb
from tests.seaweed import SeaweedS3

STRACE = shutil.which("strace")
# strace -e trace=connect lines: the address family and the address of each attempt.
CONNECT = re.compile(
    r'connect\(\d+, \{sa_family=(AF_INET6?), sin6?_port=htons\((\d+)\), (?:sin_addr=inet_addr|inet_pton\(AF_INET6, )\("([^"]+)"'
)


def _loopback(family: str, address: str) -> bool:
    return address.startswith("127.") if family == "AF_INET" else address in ("::1", "::ffff:127.0.0.1")


def test_a_crawl_on_a_fresh_cache_connects_only_to_loopback_and_prints_no_traceback(
    web: FixtureWeb, tmp_path: Path
) -> None:
    """Fresh machine: empty cache (nothing of tldextract's), every fixture site (cookies, a 10 MB page, a 503)."""
    assert STRACE, "strace is needed to watch connections (apt-get install strace)"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path / "home")}
    env.pop("TLDEXTRACT_CACHE", None)
    trace = tmp_path / "connect.trace"
    starts = [f"{site.origin}/" for site in web.sites.values()]
    proc = subprocess.run(
        [STRACE, "-f", "-qq", "-e", "trace=connect", "-o", str(trace), sys.executable, "-m", "archiver.cli"]
        + crawl_args(*starts, store=str(tmp_path / "archive")),
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    attempts = [m.groups() for m in CONNECT.finditer(trace.read_text())]
    assert attempts, "strace saw no connection at all: the pattern no longer matches its output"
    assert [a for a in attempts if not _loopback(a[0], a[2])] == []
    assert "Traceback" not in proc.stderr
    assert " ERROR " not in proc.stderr, [line for line in proc.stderr.splitlines() if " ERROR " in line]
    huge = [line for line in proc.stderr.splitlines() if "/huge/" in line]
    assert len(huge) == 1 and " WARNING " in huge[0] and "DOWNLOAD_MAXSIZE" in huge[0], huge
    assert not (tmp_path / "cache" / "python-tldextract").exists()


def test_log_level_warning_leaves_only_warnings(web: FixtureWeb, tmp_path: Path) -> None:
    run = archiver(*crawl_args(f"{web['sahil'].origin}/", store=str(tmp_path), extra=("--set=LOG_LEVEL=WARNING",)))
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert lines and all(" WARNING " in line for line in lines), lines
    assert len([line for line in lines if "/huge/" in line]) == 1


def test_log_level_error_is_silent_and_a_registered_site_is_named_by_its_id(web: FixtureWeb, tmp_path: Path) -> None:
    """A --start-url on a registered site's domain is that site: its id in the summary and in the store keys."""
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    legacy = web["legacy"]
    (profiles / "fixture-legacy.toml").write_text(
        'id = "fixture-legacy"\nname = "Legacy"\nlanguage = "ar"\ndomains = ["127.0.0.4"]\n'
        f'start_urls = ["{legacy.origin}/"]\nschedule = "0 3 * * *"\n'
    )
    store = tmp_path / "archive"
    run = archiver(
        *crawl_args(f"{legacy.origin}/", store=str(store), extra=("--set=LOG_LEVEL=ERROR",)),
        env={"ARCHIVER_PROFILES_DIR": str(profiles)},
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert re.search(r"^  fixture-legacy: \d+ articles", run.stdout, re.M), run.stdout
    assert "127.0.0.4" not in run.stdout.split("articles:")[1]
    assert {p.name for p in (store / "articles").iterdir()} == {"fixture-legacy"}


def test_s3_commands_print_no_botocore_info(s3: SeaweedS3, bucket: str) -> None:
    run = archiver("crawls", "list", f"--store=s3://{bucket}/", env=s3.env)
    assert run.returncode == 0, run.stderr
    assert "botocore" not in run.stderr and "credentials" not in run.stderr.lower(), run.stderr


def test_an_unreachable_site_is_one_line_per_event_not_a_traceback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = archiver(*crawl_args(f"http://127.0.0.1:{port}/", store=str(tmp_path)))
    assert run.returncode == 1, run.stderr  # captured nothing: exit 1 with the reason (issue 10 item 16)
    assert "unreachable" in run.stderr.strip().splitlines()[-1]
    assert "Traceback" not in run.stderr and " ERROR " not in run.stderr, run.stderr
    assert re.search(
        r"WARNING archiver\.crawl\.politeness\.robots: robots\.txt for 127\.0\.0\.1:\d+ unreachable", run.stderr
    )


def test_scrapy_crawl_news_runs_the_archiving_crawl(web: FixtureWeb, tmp_path: Path) -> None:
    """What a Scrapy user types in the repository folder (it has scrapy.cfg): the real `scrapy` command."""
    scrapy = Path(sys.executable).with_name("scrapy")
    store = tmp_path / "archive"
    settings = [arg for setting in FAST_SETTINGS for arg in ("-s", setting)]
    args = ["crawl", "news", "-a", f"start_url={web['legacy'].origin}/", "-a", f"store={store}", *settings]
    proc = subprocess.run([str(scrapy), *args], capture_output=True, text=True, cwd=ROOT, timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert re.search(r"^crawl \S+ finished \(finished\) into file://", proc.stdout, re.M), proc.stdout
    manifests = list((store / "crawls").glob("*/manifest.json"))
    assert len(manifests) == 1 and list((store / "warc").rglob("*.warc.gz")) and (store / "articles").is_dir()
    assert "Traceback" not in proc.stderr


def test_scrapy_crawl_news_without_a_start_url_is_one_line(tmp_path: Path) -> None:
    scrapy = Path(sys.executable).with_name("scrapy")
    proc = subprocess.run(
        [str(scrapy), "crawl", "news"], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "archiver crawl" in proc.stderr, proc.stderr
    assert "-a start_url=URL" in proc.stderr


def test_scrapy_arguments_map_to_archiver_crawl_options() -> None:
    from archiver.scrapy_commands.crawl import archiver_argv

    assert archiver_argv({"site": "alwasat,lana", "store": "s3://b/p"}, ["DOWNLOAD_DELAY=0"], "WARNING") == [
        "crawl",
        "alwasat",
        "lana",
        "--store=s3://b/p",
        "--set=DOWNLOAD_DELAY=0",
        "--set=LOG_LEVEL=WARNING",
    ]
    assert archiver_argv({"start_url": "https://a.ly/", "max_pages": "5"}, [], None) == [
        "crawl",
        "--start-url=https://a.ly/",
        "--max-pages=5",
    ]
    assert archiver_argv({"store": "./archive"}, [], None) is None  # nothing to crawl
    assert archiver_argv({"start_url": "https://a.ly/", "depth": "3"}, [], None) is None  # unknown argument
