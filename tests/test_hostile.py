"""A crawl of a hostile server (tests/hostile/: raw sockets on loopback) keeps its memory bounded, stores every
article it can and follows the links it should; reading an archived gzip bomb back stays bounded too; a crawl
never connects to a non-public address that no start URL names. Peak memory is measured in the child process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, Run, archiver, crawl_args
from tests.hostile.server import HostileServer, hostile_routes, tiny_routes

PEAK_RSS_BOUND_MIB = 400
HOST = "127.0.0.66"


def measured(*args: str, env: dict[str, str] | None = None) -> tuple[Run, float]:
    """Run the CLI in a child process; its result and its peak RSS in MiB (tests/hostile/peak.py)."""
    import os

    proc = subprocess.run(
        [sys.executable, "-m", "tests.hostile.peak", sys.executable, "-m", "archiver.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=240,
        check=False,
    )
    stderr, _, last = proc.stderr.rstrip().rpartition("\n")
    assert last.startswith("peak-rss-kib: "), proc.stderr[-2000:]
    return Run(proc.returncode, proc.stdout, stderr), int(last.split()[1]) / 1024


@dataclass
class HostileCrawl:
    server: HostileServer
    store: Path
    run: Run
    peak_mib: float

    def manifest(self) -> dict:  # type: ignore[type-arg]
        (path,) = (self.store / "crawls").glob("*/manifest.json")
        return dict(json.loads(path.read_text()))

    def article_urls(self) -> set[str]:
        return {json.loads(p.read_text())["url"] for p in (self.store / "articles").rglob("*.json")}

    def captured_urls(self) -> dict[str, str]:
        captured = {}
        for path in (self.store / "indexes").rglob("*.cdxj"):
            for line in path.read_text().splitlines():
                fields = json.loads(line.split(" ", 2)[2])
                captured[fields["url"]] = fields["status"]
        return captured


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileCrawl]:
    store = tmp_path_factory.mktemp("hostile")
    with HostileServer(HOST, hostile_routes) as server:
        args = crawl_args(server.url("/"), store=str(store), extra=("--set=ARCHIVER_MAX_LINKS_PER_PAGE=40",))
        run, peak = measured(*args)
        yield HostileCrawl(server, store, run, peak)


def test_hostile_crawl_finishes_with_bounded_memory(hostile: HostileCrawl) -> None:
    assert hostile.run.returncode == 0, hostile.run.stderr[-3000:]
    assert hostile.peak_mib < PEAK_RSS_BOUND_MIB, f"peak RSS {hostile.peak_mib:.0f} MiB"
    # Failed downloads are logged by Scrapy; an exception inside a page's callback must never happen.
    assert "Spider error processing" not in hostile.run.stderr


def test_raw_gzip_sitemap_is_inflated_up_to_the_limit_only(hostile: HostileCrawl) -> None:
    assert hostile.manifest()["limits"]["sitemaps_cut"] == 1
    assert "ARCHIVER_SITEMAP_MAX_SIZE" in hostile.run.stderr
    # What came before the cut is used: the sitemap's one entry was fetched and stored.
    assert hostile.server.url("/news/2001/") in hostile.article_urls()


def test_endless_header_lines_fail_that_response_only(hostile: HostileCrawl) -> None:
    limits = hostile.manifest()["limits"]
    assert limits["headers_over_limit"] >= 2  # /endless-headers (and its retry) and /many-headers/ (600 lines)
    assert "ARCHIVER_HEADER_MAX_BYTES" in hostile.run.stderr and "ARCHIVER_HEADER_MAX_COUNT" in hostile.run.stderr
    captured = hostile.captured_urls()
    assert hostile.server.url("/endless-headers") not in captured
    assert hostile.server.url("/many-headers/") not in captured
    assert "responses failed on the header limit" in hostile.run.stdout


def test_malformed_responses_do_not_stop_the_crawl(hostile: HostileCrawl) -> None:
    fetched = set(hostile.server.fetched)
    assert {"/malformed/status", "/malformed/garbage", "/malformed/chunks", "/malformed/short"} <= fetched
    assert hostile.server.url("/news/2008/") in hostile.article_urls()


def test_malformed_links_are_skipped_and_the_rest_followed(hostile: HostileCrawl) -> None:
    articles = hostile.article_urls()
    assert hostile.server.url("/news/2003/") in articles  # the page with the poison links is stored
    assert hostile.server.url("/news/2004/") in articles  # the link after them is followed
    assert hostile.manifest()["limits"]["malformed_links_skipped"] >= 2
    assert "malformed links skipped" in hostile.run.stdout


def test_links_per_page_are_bounded_and_named_in_the_summary(hostile: HostileCrawl) -> None:
    many = [path for path in hostile.server.fetched if path.startswith("/many/")]
    assert 0 < len(many) <= 40
    assert f"link limit: {hostile.server.url('/many')} offered 10000 links, 40 followed" in hostile.run.stdout
    assert hostile.manifest()["limits"]["pages_over_link_limit"] == {hostile.server.url("/many"): 10000}
    assert hostile.server.url("/news/2009/") in hostile.article_urls()  # after 100 off-site links on its page


def test_deep_json_ld_and_deep_html_still_give_the_article_and_its_links(hostile: HostileCrawl) -> None:
    articles = hostile.article_urls()
    for number in (2005, 2006, 2007, 2008):  # 2005: JSON-LD 1,000 deep; 2007: 3,000 nested divs
        assert hostile.server.url(f"/news/{number}/") in articles, number
    deep = [json.loads(p.read_text()) for p in (hostile.store / "articles").rglob("*.json")]
    (html_deep,) = [a for a in deep if a["url"].endswith("/news/2007/")]
    assert len(html_deep["body"].split()) > 60


def test_snapshot_of_an_archived_gzip_bomb_is_bounded_and_says_so(hostile: HostileCrawl) -> None:
    url = hostile.server.url("/news/2002/")
    assert hostile.captured_urls()[url] == "200"  # the raw bytes were archived (the page itself was dropped)
    run, peak = measured("snapshot", url, f"--store={hostile.store}", "--format=html", "--out=/dev/null")
    assert run.returncode == 0, run.stderr[-2000:]
    assert peak < PEAK_RSS_BOUND_MIB, f"peak RSS {peak:.0f} MiB"
    assert "decoding stopped early" in run.stderr and "ARCHIVER_DECODE_MAX_SIZE" in run.stderr


def test_decode_limit_is_a_setting(hostile: HostileCrawl, tmp_path: Path) -> None:
    url = hostile.server.url("/news/2002/")
    out = tmp_path / "page.html"
    run = archiver(
        "snapshot", url, f"--store={hostile.store}", "--format=html", f"--out={out}",
        env={"ARCHIVER_DECODE_MAX_SIZE": "1000"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "1000 bytes" in run.stderr
    assert out.read_text().startswith("<html><head><title>bomb</title>") and len(out.read_bytes()) <= 1000


def test_every_limit_follows_its_setting(tmp_path: Path) -> None:
    """Raised header count, lowered link and sitemap limits: each changes what the crawl does."""
    with HostileServer("127.0.0.67", hostile_routes) as server:
        small_home = server.url("/many-headers/")
        args = crawl_args(
            small_home,
            server.url("/many"),
            store=str(tmp_path / "archive"),
            extra=(
                "--set=ARCHIVER_HEADER_MAX_COUNT=1000",
                "--set=ARCHIVER_MAX_LINKS_PER_PAGE=5",
                "--set=ARCHIVER_SITEMAP_MAX_SIZE=100",
                "--set=DEPTH_LIMIT=1",
            ),
        )
        run = archiver(*args)
    assert run.returncode == 0, run.stderr[-3000:]
    assert len([p for p in server.fetched if p.startswith("/many/")]) == 5
    assert "/news/2001/" not in server.fetched  # the sitemap's entry lies past the first 100 bytes
    articles = {json.loads(p.read_text())["url"] for p in (tmp_path / "archive" / "articles").rglob("*.json")}
    assert small_home in articles  # 600 header lines pass under a count limit of 1000


# -- network safety --------------------------------------------------------------------------------------------
def test_a_link_local_start_url_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "archive"
    run = archiver("crawl", "--start-url=http://169.254.169.254/latest/meta-data/", f"--store={store}")
    assert not store.exists()  # refused before anything is written
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "link-local" in run.stderr
    assert "ARCHIVER_ALLOW_PRIVATE_ADDRESSES" in run.stderr


def test_a_public_name_resolving_to_loopback_is_not_crawled(tmp_path: Path) -> None:
    with HostileServer("127.0.0.68", tiny_routes) as server:
        name = f"news.example.ly:{server.port}"
        env = {"HOSTILE_DNS_MAP": f"news.example.ly={server.host}"}
        resolver = "--set=DNS_RESOLVER=tests.hostile.resolver.MappedResolver"
        refused = archiver(*crawl_args(f"http://{name}/", store=str(tmp_path / "a"), extra=(resolver,)), env=env)
        assert server.fetched == []  # not a byte of any request was sent
        allowed = archiver(
            *crawl_args(
                f"http://{name}/",
                store=str(tmp_path / "b"),
                extra=(resolver, "--set=ARCHIVER_ALLOW_PRIVATE_ADDRESSES=true"),
            ),
            env=env,
        )
        assert "/news/3101/" in server.fetched
    assert "connections refused to non-public addresses" in refused.stdout, refused.stdout + refused.stderr
    assert "127.0.0.68 is a loopback address" in refused.stderr
    assert not (tmp_path / "a" / "articles").exists()
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert list((tmp_path / "b" / "articles").rglob("*.json"))


def test_refused_before_the_tls_handshake(tmp_path: Path) -> None:
    with HostileServer("127.0.0.69", tiny_routes) as server:
        env = {"HOSTILE_DNS_MAP": f"secure.example.ly={server.host}"}
        resolver = "--set=DNS_RESOLVER=tests.hostile.resolver.MappedResolver"
        run = archiver(
            *crawl_args(f"https://secure.example.ly:{server.port}/", store=str(tmp_path), extra=(resolver,)), env=env
        )
    assert server.received and not any(server.received), server.received  # connected, then not a byte sent
    assert "127.0.0.69 is a loopback address" in run.stderr
