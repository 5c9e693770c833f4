"""An outlet's whole history: pagination beyond the depth limit, date archives, sitemap indexes and the WordPress
post API each reach every article; a second crawl costs a few requests; a killed backfill resumes with nothing
fetched twice; --until stops the walk back. Observed from the generated outlet's side (tests/fixtureweb/outlet.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.urls import normalize_url
from tests import test_distributed
from tests.conftest import ROOT, archiver, crawl_args
from tests.fixtureweb.outlet import Outlet, OutletShape
from tests.fixtureweb.server import FixtureWeb
from tests.test_distributed import start_worker, wait_for, worker_args

frontier = test_distributed.frontier  # the fixture: an empty Redis database of the test's own


def _stored_urls(store: Path) -> set[str]:
    urls = set()
    for path in (store / "articles").rglob("*.json"):
        if path.parent.parent.parent.name == "articles":  # articles/{site}/{id}/{version}.json
            urls.add(json.loads(path.read_text(encoding="utf-8"))["url"])
    return urls


def _fetched_articles(outlet: Outlet) -> list[str]:
    return [p for _m, p in outlet.site.log if outlet.number_of(p) is not None]


def _expected_urls(outlet: Outlet, paths: list[str] | None = None) -> set[str]:
    return {outlet.site.url(p) for p in (outlet.all_paths() if paths is None else paths)}


def _manifest(store: Path, stdout: str) -> dict:
    key = next(line.split("manifest: ", 1)[1] for line in stdout.splitlines() if "manifest: " in line)
    return json.loads((store / key).read_text(encoding="utf-8"))


def test_pagination_beyond_the_depth_limit_reaches_every_article_and_a_second_crawl_costs_three_requests(
    tmp_path: Path,
) -> None:
    outlet = Outlet("paged", "127.0.0.140", OutletShape(articles=360, per_page=12))  # 30 listing pages
    store = tmp_path / "a"
    with FixtureWeb([outlet.site]):
        first = archiver(*crawl_args(outlet.site.url("/"), store=str(store)))  # DEPTH_LIMIT stays 6
        fetched = _fetched_articles(outlet)
        listings = [p for _m, p in outlet.site.log if p.startswith("/page/")]
        outlet.site.log.clear()
        second = archiver(*crawl_args(outlet.site.url("/"), store=str(store)))
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    assert len(listings) == 29 and len(set(fetched)) == len(fetched) == 360
    assert _stored_urls(store) == _expected_urls(outlet)
    # The home page holds only archived articles: its listing is not paginated further (ARCHIVER_KNOWN_PAGES_STOP).
    assert [p for _m, p in outlet.site.log] == ["/robots.txt", "/", "/sitemap.xml"]


@pytest.mark.parametrize(
    ("name", "shape", "extra"),
    [
        ("query-pages", OutletShape(articles=150, per_page=10, query_pages=True), ()),
        ("api-link", OutletShape(articles=150, pagination=False, api=True), ()),
        ("api-probe", OutletShape(articles=150, pagination=False, api=True, api_link=False), ("--backfill",)),
        ("sitemap-index", OutletShape(articles=150, pagination=False, sitemap=True), ()),
        ("date-archives", OutletShape(articles=150, pagination=False, date_archives=True), ()),
    ],
)
def test_each_way_into_the_history_alone_reaches_every_article(
    tmp_path: Path, name: str, shape: OutletShape, extra: tuple[str, ...]
) -> None:
    """The home page shows the newest five articles only (or page 1 of 15): the rest is reachable one way."""
    outlet = Outlet(name, "127.0.0.141", shape)
    store = tmp_path / "a"
    with FixtureWeb([outlet.site]):
        run = archiver(*crawl_args(outlet.site.url("/"), store=str(store), extra=extra))
    assert run.returncode == 0, run.stderr[-3000:]
    fetched = _fetched_articles(outlet)
    assert len(fetched) == len(set(fetched)) == 150
    assert _stored_urls(store) == _expected_urls(outlet)
    if name == "date-archives":  # a chain of month archives, far beyond DEPTH_LIMIT hops
        assert len([p for _m, p in outlet.site.log if p.count("/") == 3]) == len(outlet.months()) > 6


def test_a_full_outlet_is_walked_once_and_a_second_crawl_fetches_no_listing_page_beyond_the_first(
    tmp_path: Path,
) -> None:
    shape = OutletShape(articles=300, per_page=10, date_archives=True, sitemap=True, api=True)
    outlet = Outlet("full", "127.0.0.142", shape)
    store = tmp_path / "a"
    with FixtureWeb([outlet.site]):
        first = archiver(*crawl_args(outlet.site.url("/"), store=str(store)))
        fetched = _fetched_articles(outlet)
        outlet.site.log.clear()
        second = archiver(*crawl_args(outlet.site.url("/"), store=str(store)))
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-3000:]
    assert len(fetched) == len(set(fetched)) == 300
    assert _stored_urls(store) == _expected_urls(outlet)
    again = [p for _m, p in outlet.site.log]
    assert _fetched_articles(outlet) == []
    assert not [p for p in again if p.startswith("/page/") or outlet.number_of(p) is not None]
    assert [p for p in again if p.startswith("/wp-json/")] == ["/wp-json/wp/v2/posts?page=1&per_page=100"]
    assert len([p for p in again if p.count("/") == 3 and p[1:5].isdigit()]) == 0  # no month archive either
    # The sitemap index says when each monthly child last changed: none since the first crawl fetched it.
    assert [p for p in again if "sitemap" in p] == ["/sitemap.xml"]


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_or_stopped_backfill_resumes_where_it_was_with_nothing_fetched_twice(
    tmp_path: Path, stop: signal.Signals
) -> None:
    outlet = Outlet("killed", "127.0.0.143", OutletShape(articles=240, per_page=12))
    outlet.freeze_after = 90  # the outlet stops answering after 90 articles: the backfill is then killed or stopped
    store = tmp_path / "a"
    with FixtureWeb([outlet.site]):
        args = crawl_args(outlet.site.url("/"), store=str(store), extra=("--backfill",))
        proc = subprocess.Popen(
            [sys.executable, "-m", "archiver.cli", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=(tmp_path / "stderr").open("wb"),
            env=dict(os.environ),
        )
        try:
            journal = _wait_for_done(store, outlet, proc)
        finally:
            proc.send_signal(stop)
            if stop == signal.SIGINT:  # Scrapy's graceful stop waits for the requests in flight: let them go
                time.sleep(0.5)
                outlet.freeze_after = None
                outlet.thawed.set()  # held requests answer 503 and are not counted as served
            stopped_out = proc.communicate(timeout=120)[0].decode()
        assert proc.returncode == (0 if stop == signal.SIGINT else -signal.SIGKILL)
        if stop == signal.SIGINT:  # requests in flight finish during the graceful stop: more than 90 are served
            assert "backfill not finished: run it again to resume" in stopped_out
        else:
            assert len(outlet.served_articles) == 90
        outlet.freeze_after = None
        outlet.thawed.set()  # requests held at the kill are dropped unanswered (their crawler is gone)
        resumed = archiver(*args)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "backfill resumed: " in resumed.stderr
    assert "backfill finished: " in resumed.stdout
    served = outlet.served_articles
    assert len(served) == len(set(served)) == 240  # every article answered exactly once over both runs
    assert _stored_urls(store) == _expected_urls(outlet)
    state = _manifest(store, resumed.stdout)["backfill"]["127.0.0.143"]
    assert state["finished"] and state["resumed"] and state["pending"] == 0
    assert state["articles_found"] == 240 and state["oldest_date"] == outlet.when(239).date().isoformat()
    assert not journal.exists() and journal.with_name("127.0.0.143.finished.jsonl").exists()


def _wait_for_done(store: Path, outlet: Outlet, proc: subprocess.Popen[bytes]) -> Path:
    """Wait until the backfill's journal marks done every article the outlet answered (then a kill loses
    nothing it fetched); the journal's path."""
    journal = store / ".spool" / "backfill" / "127.0.0.143.jsonl"  # the site id of a --start-url crawl: its host
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        served = outlet.served_articles
        if len(served) == outlet.freeze_after and journal.exists():
            done = {json.loads(line).get("x") for line in journal.read_text(encoding="utf-8").splitlines()}
            if {normalize_url(outlet.site.url(p)) for p in served} <= done:
                return journal
        time.sleep(0.1)
    raise AssertionError(f"the backfill never got to {outlet.freeze_after} articles done (exit {proc.poll()})")


def test_until_stops_the_walk_back_at_a_date(tmp_path: Path) -> None:
    outlet = Outlet("until", "127.0.0.144", OutletShape(articles=240, per_page=12))
    until = outlet.when(100).date()
    store = tmp_path / "a"
    with FixtureWeb([outlet.site]):
        run = archiver(
            *crawl_args(outlet.site.url("/"), store=str(store), extra=("--backfill", f"--until={until.isoformat()}"))
        )
    assert run.returncode == 0, run.stderr[-3000:]
    newer = [outlet.path(n) for n in range(240) if outlet.when(n).date() >= until]
    assert _stored_urls(store) == _expected_urls(outlet, newer)
    pages = [int(p.split("/")[2]) for _m, p in outlet.site.log if p.startswith("/page/")]
    # The page showing the first article older than DATE is the last walked (and the last page, which page 1
    # links, is fetched and found too old): 9 or 10 of the 20 listing pages.
    assert max(set(pages) - {20}) <= 100 // 12 + 2 and len(pages) == len(set(pages)) <= 100 // 12 + 2
    state = _manifest(store, run.stdout)["backfill"]["127.0.0.144"]
    assert state["until"] == until.isoformat() and state["finished"]


def test_until_needs_backfill(tmp_path: Path) -> None:
    run = archiver("crawl", "--start-url=http://127.0.0.145:9/", f"--store={tmp_path}", "--until=2024-01-01")
    assert run.returncode == 2 and "--backfill" in run.stderr


def test_a_page_bounded_backfill_is_continued_by_the_next_run_and_health_flags_it_while_it_stalls(
    tmp_path: Path,
) -> None:
    outlet = Outlet("bounded", "127.0.0.146", OutletShape(articles=60, per_page=10))
    store = tmp_path / "a"
    with FixtureWeb([outlet.site]):
        args = crawl_args(outlet.site.url("/"), store=str(store), extra=("--backfill",))
        first = archiver(*args, "--max-pages=25")
        stalled = archiver("health", f"--store={store}", "--stall-days=0", "--format=json")
        text = archiver("health", f"--store={store}", "--stall-days=0")
        waiting = archiver("health", f"--store={store}")  # the default: three days without progress
        second = archiver(*args)
        done = archiver("health", f"--store={store}", "--stall-days=0", "--format=json")
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-3000:]
    assert "backfill not finished: run it again to resume" in first.stdout
    state = json.loads(stalled.stdout)["sites"][0]["backfill"]
    assert stalled.returncode == 1 and not state["finished"] and state["pending"] > 0
    assert state["pages_done"] == 25 + 2  # the budget of one run, and the sitemap and post API probes (404)
    assert "backfill stalled: started " in text.stdout and "backfill not finished" in text.stdout
    assert waiting.returncode == 0, waiting.stdout
    fetched = _fetched_articles(outlet)
    assert len(fetched) == len(set(fetched)) == 60
    assert _stored_urls(store) == _expected_urls(outlet)
    report = json.loads(done.stdout)
    assert report["sites"][0]["backfill"]["finished"], done.stdout
    assert not [r for r in report["sites"][0]["reasons"] if "backfill" in r], done.stdout


def test_backfill_stall_rule() -> None:
    from datetime import UTC, datetime

    from archiver.ops.health_rules import backfill_stalled

    now = datetime(2026, 3, 10, tzinfo=UTC)
    state = {"started_at": "2026-03-01T00:00:00Z", "finished": False, "pending": 40, "oldest_date": "2019-05-14"}
    assert backfill_stalled({**state, "last_progress_at": "2026-03-09T12:00:00Z"}, now) is None
    reason = backfill_stalled({**state, "last_progress_at": "2026-03-02T00:00:00Z"}, now)
    assert reason is not None and "8 days" in reason and "40 requests pending" in reason and "2019-05-14" in reason
    assert backfill_stalled({**state, "finished": True, "last_progress_at": "2026-03-02T00:00:00Z"}, now) is None
    assert backfill_stalled(state, now, stall_days=10) is None  # no progress at all: counted from its start


def test_a_killed_distributed_backfill_resumes_from_its_frontier_in_redis(frontier: str, tmp_path: Path) -> None:
    """With --frontier the queue and the seen set live in Redis: the killed job's worker is gone, a worker joining
    the job again takes the expired leases back and finishes it, fetching nothing the first one had done."""
    outlet = Outlet("redis-killed", "127.0.0.147", OutletShape(articles=120, per_page=12))
    outlet.freeze_after = 50
    store = tmp_path / "a"
    with FixtureWeb([outlet.site]):
        args = worker_args([outlet.site.url("/")], store, frontier, "bfjob", "--backfill")
        first = start_worker(*args)
        wait_for(lambda: len(outlet.served_articles) == 50 or first.poll() is not None, what="50 articles served")
        time.sleep(1)  # the responses let through are processed by now (as in test_distributed)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        outlet.freeze_after = None
        outlet.thawed.set()
        rejoined = archiver(*[a for a in args if a != f"--start-url={outlet.site.url('/')}"], "--join")
    assert rejoined.returncode == 0, rejoined.stderr[-3000:]
    assert "back in the queue" in rejoined.stderr
    served = outlet.served_articles
    assert len(served) == len(set(served)) == 120
    assert _stored_urls(store) == _expected_urls(outlet)


def test_what_counts_as_another_page_of_a_listing() -> None:
    from datetime import date

    from lxml import html

    from archiver.crawl.discovery.pagination import (
        is_date_archive,
        is_pagination_anchor,
        last_page_number,
        listing_of,
        page_number,
    )
    from archiver.urls import MAX_QUERY_VARIANTS_PER_PATH, TrapGuard

    base = "https://example.ly/category/libya/"
    tree = html.fromstring(
        '<html><body><a href="/category/libya/page/2/">الصفحة التالية</a><a href="/category/economy/">اقتصاد</a>'
        '<a href="/category/libya/?sort=old">التالي</a><a rel="next" href="/x/">»</a>'
        '<div class="nav-links"><a href="/category/libya/?view=all">كل الأخبار</a>'
        '<a href="/category/libya/page/٣٠/">٣٠</a><a href="/category/libya/page/29/">٢٩</a></div></body></html>'
    )
    anchors = {a.get("href"): a for a in tree.iter("a")}

    def paged(href: str) -> bool:
        return is_pagination_anchor(anchors[href], "https://example.ly" + href, base)

    assert paged("/category/libya/page/2/") and paged("/x/")  # a page number; rel=next
    assert not paged("/category/economy/")  # another listing
    assert not paged("/category/libya/?sort=old")  # another ordering of the listing, not a page of it
    assert paged("/category/libya/?view=all") is False  # in the nav, but another listing
    assert last_page_number(tree) == 30  # Eastern Arabic digits in a URL and in a label
    assert page_number("https://example.ly/news/?page=12&cat=3") == 12 and page_number(base) is None
    assert listing_of("https://example.ly/news/page/7/?x=1") == listing_of("https://example.ly/news/?x=1")
    assert is_date_archive("https://example.ly/2019/05/") and is_date_archive("https://example.ly/archive/2019/05/14/")
    assert not is_date_archive("https://example.ly/2019/05/14/slug/")
    assert not is_date_archive("https://example.ly/2031/07/", today=date(2026, 1, 1))  # a calendar into the future

    guard = TrapGuard()
    pages = [f"https://example.ly/news/?page={n}" for n in range(2, 400)]
    assert all(guard.allow(url, listing_page=True) for url in pages)  # the page number is no query variant
    variants = [f"https://example.ly/news/?sort={n}" for n in range(MAX_QUERY_VARIANTS_PER_PATH + 5)]
    assert sum(guard.allow(url) for url in variants) == MAX_QUERY_VARIANTS_PER_PATH  # other parameters still count


def test_progress_of_a_backfill_shows_its_totals_the_oldest_date_and_what_is_left() -> None:
    import io

    from archiver.crawl.archive.progress import CrawlProgress

    now = [100.0]
    stats = {
        "response_received_count": 120,
        "item_scraped_count": 100,
        "archiver/backfill": 1,
        "archiver/backfill_pages_done": 620,  # over every run of this backfill
        "archiver/backfill_articles": 570,
        "archiver/backfill_pending": 40,
        "archiver/backfill_listing_pages_left": 200,
        "archiver/backfill_oldest": "2019-05-14",
    }
    live = io.StringIO()
    progress = CrawlProgress(10.0, lambda: stats, lambda: 40, live=live, clock=lambda: now[0])
    now[0] = 160.0
    fields = progress.report()
    assert fields["backfill_pages_done"] == 620 and fields["backfill_articles"] == 570
    assert fields["oldest_date"] == "2019-05-14" and fields["pages_left"] == 240
    assert fields["eta_min"] == 2.0  # 240 pages left at 120 pages a minute
    assert "backfill: 620 pages done, 570 articles, oldest 2019-05-14, ~240 pages left, ~2 min" in live.getvalue()


def test_a_backfill_after_ordinary_crawls_walks_on_through_archived_pages_to_the_oldest(tmp_path: Path) -> None:
    """The usual order: crawls of the front pages first, the backfill later. Pages holding only archived articles
    stop an ordinary crawl's pagination, never a backfill's."""
    outlet = Outlet("after", "127.0.0.148", OutletShape(articles=150, per_page=10, numbered_nav=False))
    store = tmp_path / "a"
    with FixtureWeb([outlet.site]):
        args = crawl_args(outlet.site.url("/"), store=str(store))
        first = archiver(*args, "--max-pages=60")
        archived = len(_stored_urls(store))
        backfill = archiver(*args, "--backfill")
    assert first.returncode == 0 and backfill.returncode == 0, backfill.stderr[-3000:]
    assert 40 <= archived < 150
    fetched = _fetched_articles(outlet)
    assert len(fetched) == len(set(fetched)) == 150
    assert _stored_urls(store) == _expected_urls(outlet)
