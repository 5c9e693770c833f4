"""Discovery, scope, politeness and traps, observed from the fixture servers' side of real crawls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, CrawledArchive, archiver, crawl_args
from tests.fixtureweb.server import FixtureWeb, Reply
from tests.fixtureweb.sites import SAHIL_PRIVATE, feed_site, sahil_site


def _articles(store: Path) -> dict[str, dict]:
    out = {}
    for path in (store / "articles").rglob("*.json"):
        article = json.loads(path.read_text(encoding="utf-8"))
        out[article["url"]] = article
    return out


def test_every_article_of_every_kind_of_site_is_archived(crawled: CrawledArchive) -> None:
    articles = _articles(crawled.store)
    for name in ("sahil", "feedonly", "legacy", "aggregator"):
        site = crawled.web[name]
        expected = {site.url(path) for path in site.state["expected"]}
        found = {url for url in articles if url.startswith(site.origin + "/")}
        assert found == expected, name


def test_crawled_articles_have_the_published_fields(crawled: CrawledArchive) -> None:
    # A generic crawl (no site profile) of four kinds of Libyan site: every field as a reader sees it.
    articles = _articles(crawled.store)
    for name in ("sahil", "feedonly", "legacy", "aggregator"):
        site = crawled.web[name]
        for path, want in site.state["expected"].items():
            got = articles[site.url(path)]
            assert got["title"] == want["title"], path
            assert got["published_at"] == want["published_at"], path
            assert got["authors"] == want["authors"], path
            assert got["body"] == "\n\n".join(want["paragraphs"]), path
            assert got["language"] == want["language"], path
            assert got["original_source"] == want.get("original_source"), path


def test_listings_are_not_archived_as_articles(crawled: CrawledArchive) -> None:
    urls = set(_articles(crawled.store))
    sahil = crawled.web["sahil"]
    assert sahil.url("/") not in urls
    assert sahil.url("/category/libya/") not in urls


def test_robots_disallow_is_obeyed_even_when_sitemap_and_links_point_there(crawled: CrawledArchive) -> None:
    assert crawled.web["sahil"].fetched(SAHIL_PRIVATE[0]) == []


def test_a_5xx_robots_txt_means_disallow_all(crawled: CrawledArchive) -> None:
    down = crawled.web["robotsdown"]
    assert {path for _m, path in down.log} == {"/robots.txt"}


def test_traps_are_bounded(crawled: CrawledArchive) -> None:
    sahil, legacy = crawled.web["sahil"], crawled.web["legacy"]
    assert 1 <= len(sahil.fetched("/calendar/")) <= 25
    assert 1 <= len(legacy.fetched("/print.php")) <= 25
    assert len(sahil.fetched("/loop-")) <= 8  # a redirect loop stops at REDIRECT_MAX_TIMES


def test_a_10mb_page_is_dropped_and_the_crawl_goes_on(crawled: CrawledArchive) -> None:
    assert crawled.web["sahil"].fetched("/huge/")
    assert crawled.web["sahil"].url("/huge/") not in _articles(crawled.store)
    assert crawled.run.returncode == 0


def test_crawl_delay_from_robots_is_honoured(crawled: CrawledArchive) -> None:
    times = sorted(t for t, path, _h in crawled.web["sahil"].times if path != "/robots.txt")
    gaps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
    # Crawl-delay: 0.2. The crawler spaces requests when it sends them; the server sees them when its thread gets
    # to them, so on a loaded machine one late arrival shortens the gap after it (0.033 s was seen) while it
    # lengthens the gap before it. No single gap is therefore a fact about politeness; the span of the whole
    # crawl and the typical gap are: load only stretches the first and can shrink at most a few of the gaps.
    # A crawler ignoring Crawl-delay sends its requests milliseconds apart and fails both.
    assert len(gaps) >= 10
    assert times[-1] - times[0] >= 0.2 * len(gaps) * 0.95
    assert gaps[len(gaps) // 2] >= 0.15


def test_retry_after_is_honoured(crawled: CrawledArchive) -> None:
    hits = [t for t, path, _h in crawled.web["feedonly"].times if path == "/news/new-substation"]
    assert len(hits) == 2
    assert hits[1] - hits[0] >= 0.95  # Retry-After: 1


def test_user_agent_names_the_project_and_a_contact_url(crawled: CrawledArchive) -> None:
    agents = {h.get("user-agent", "") for _t, _p, h in crawled.web["feedonly"].times}
    assert len(agents) == 1
    agent = agents.pop()
    assert agent.startswith("LibyaNewsArchiver/") and "(+https://" in agent


def test_crawl_stays_on_the_start_host_and_port(tmp_path: Path) -> None:
    sahil, feed = sahil_site("127.0.0.12"), feed_site("127.0.0.13")
    with FixtureWeb([sahil, feed]):
        # The sahil home links to the feed site: a start on sahil must not wander there.
        sahil.add(
            "/",
            lambda req: Reply(
                body=f'<html><body><a href="{feed.url("/news/port-berth-reopens")}">elsewhere</a>'
                f'<a href="/2024/03/15/water-network-maintenance/">here</a></body></html>'.encode()
            ),
        )
        run = archiver(*crawl_args(sahil.url("/"), store=str(tmp_path / "a"), extra=("--max-pages=5",)))
    assert run.returncode == 0, run.stderr[-3000:]
    assert feed.log == []
    assert sahil.fetched("/2024/03/15/water-network-maintenance/")


def test_max_pages_bounds_the_crawl(tmp_path: Path) -> None:
    sahil = sahil_site("127.0.0.14")
    with FixtureWeb([sahil]):
        run = archiver(*crawl_args(sahil.url("/"), store=str(tmp_path / "a"), extra=("--max-pages=3",)))
    assert run.returncode == 0, run.stderr[-3000:]
    discovery = ("/robots.txt", "/sitemap.xml", "/sitemap_index.xml", "/post-sitemap.xml", "/feed/")
    pages = [p for _m, p in sahil.log if p not in discovery]
    assert len(pages) <= 3


def test_a_second_crawl_does_not_fetch_archived_articles_again(tmp_path: Path) -> None:
    feed = feed_site("127.0.0.15")
    store = str(tmp_path / "a")
    with FixtureWeb([feed]):
        first = archiver(*crawl_args(feed.url("/"), store=store))
        fetched_first = [p for _m, p in feed.log if p.startswith("/news/")]
        feed.log.clear()
        second = archiver(*crawl_args(feed.url("/"), store=store))
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    assert len(set(fetched_first)) == 4
    assert [p for _m, p in feed.log if p.startswith("/news/")] == []  # incremental: known articles skipped
    assert "/feed/" in [p for _m, p in feed.log]  # discovery still runs
    assert len(_articles(Path(store))) == 4
    assert len(list((Path(store) / "crawls").iterdir())) == 2


def test_log_level_set_for_a_crawl_silences_scrapy_debug_lines(web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = web["sahil"]
    run = archiver(*crawl_args(site.url("/"), store=str(tmp_path / "a"), extra=("--set=LOG_LEVEL=WARNING",)))
    assert run.returncode == 0, run.stderr[-2000:]
    assert "DEBUG scrapy.core.engine" not in run.stderr  # no line per page (Scrapy's logging set-up reset the level)
    assert "INFO scrapy.core.engine" not in run.stderr


def test_make_demo_twice_exports_the_same_articles_without_duplicates(tmp_path: Path) -> None:
    """The demo's sites keep their addresses, so a second run is an incremental crawl of the same URLs."""
    import socket

    with socket.socket() as probe:  # a free port for this test's demo (the default one may be in use)
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEMO_PORT": str(port)}
    rows = []
    for _ in range(2):
        demo = subprocess.run(
            [sys.executable, "-m", "tests.fixtureweb.demo"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
            check=False,
        )
        assert demo.returncode == 0, demo.stderr[-3000:]
        assert "Traceback" not in demo.stderr, demo.stderr
        lines = (tmp_path / "export" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
        rows.append([json.loads(line) for line in lines])
    first, second = rows
    assert first and sorted(r["url"] for r in second) == sorted(r["url"] for r in first)
    assert [r["url"] for r in second if r["duplicate_of"]] == [r["url"] for r in first if r["duplicate_of"]]
    assert f":{port}/" in first[0]["url"]
