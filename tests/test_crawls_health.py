"""Crawl history and crawl health: the rules on plain numbers, then end to end on a fixture site crawled three
times healthy and once after a 'redesign' broke extraction and a bot wall started answering 403."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archiver.ops.crawls import crawl_history, find_crawl
from archiver.ops.health_rules import SiteSample, judge
from archiver.store.local import LocalStore
from tests.conftest import archiver, crawl_args
from tests.fixtureweb.server import FixtureWeb, Reply, Request, Site
from tests.fixtureweb.text import article_text

TOPICS = ["water", "school", "market", "road", "health"]
ARTICLES_PER_CRAWL = 5


# -- the rules, on plain numbers -----------------------------------------------------------------------------------
def sample(articles: int = 10, date: float = 1.0, author: float = 1.0, body: float = 1.0, **kw) -> SiteSample:  # type: ignore[no-untyped-def]
    coverage = {"title": 1.0, "published_at": date, "authors": author, "body": body}
    return SiteSample(
        "site",
        kw.pop("crawl_id", "c"),
        None,
        articles,
        coverage,
        kw.pop("pages", 20),
        kw.pop("errors", 0),
        {"status_403": kw.pop("s403", 0), "status_429": kw.pop("s429", 0), "challenge_pages": kw.pop("challenges", 0)},
    )


HISTORY = [sample(10), sample(12), sample(9, author=0.9), sample(11, errors=1)]


def test_a_steady_site_is_healthy() -> None:
    verdict = judge(sample(8, author=0.8, errors=1), HISTORY)
    assert verdict.healthy and verdict.reasons == []
    assert verdict.usual["articles"] == 10.5 and verdict.history == 4


def test_no_history_is_healthy_with_a_note() -> None:
    verdict = judge(sample(0, s403=5), [])
    assert verdict.healthy and verdict.note


@pytest.mark.parametrize(
    ("latest", "expected"),
    [
        (sample(3), ["article yield 3 (usual 10.5)"]),
        (sample(10, date=0.1), ["date found in 10% of articles (usual 100%)"]),
        (
            sample(10, author=0.0, body=0.2),
            ["author found in 0% of articles (usual 100%)", "body found in 20% of articles (usual 100%)"],
        ),
        (sample(10, errors=8), ["error rate 40% (usual 0%)"]),
        (sample(10, s403=3), ["3 HTTP 403 responses (usual 0)"]),
        (sample(10, s429=2, pages=6), ["2 HTTP 429 responses (usual 0)"]),  # few, but a third of the pages
        (sample(10, challenges=4), ["4 challenge pages (usual 0)"]),
    ],
)
def test_each_kind_of_drop_is_named(latest: SiteSample, expected: list[str]) -> None:
    verdict = judge(latest, HISTORY)
    assert not verdict.healthy
    assert verdict.reasons == expected


def test_small_moves_are_not_drops() -> None:
    assert judge(sample(6, date=0.8, errors=2, s403=2, pages=40), HISTORY).healthy
    quiet = [sample(2), sample(1), sample(2)]  # a site too quiet for its yield to be judged
    assert judge(sample(0), quiet).healthy
    few = judge(sample(2, date=0.0), HISTORY)  # two articles: coverage not judged, but the yield is
    assert few.reasons == ["article yield 2 (usual 10.5)"]


def test_nothing_crawlable_is_unhealthy_even_on_a_first_crawl() -> None:
    from dataclasses import replace

    shut = replace(sample(0), ok_pages=0, robots_errors={"503": 1})
    assert judge(shut, []).reasons == ["robots.txt answered 503: the whole site is disallowed (RFC 9309)"]
    assert not judge(shut, HISTORY).healthy
    walled = replace(sample(0, s403=4, pages=4), ok_pages=0)
    assert judge(walled, []).reasons == ["blocked: no page answered, 4 HTTP 403 responses"]
    refused = replace(sample(0, pages=1), ok_pages=0, disallowed=7)
    assert judge(refused, []).reasons == ["disallowed: robots.txt refused all 7 requests"]
    silent = replace(sample(0, pages=0, errors=3), ok_pages=0)
    assert judge(silent, []).reasons == ["unreachable: no page answered (3 errors)"]
    assert judge(replace(sample(0), ok_pages=1), []).healthy  # a quiet day: the home page answered


def test_article_yield_compares_crawls_of_the_same_kind() -> None:
    from dataclasses import replace

    first = replace(sample(10), kind="first")
    incremental = [replace(sample(n), kind="incremental") for n in (2, 1, 3)]
    assert judge(replace(sample(1), kind="incremental"), [first, *incremental]).healthy
    assert judge(replace(sample(1), kind="incremental"), [first]).healthy  # nothing alike to compare with
    recrawl = replace(sample(2), kind="recrawl")
    assert judge(recrawl, [first, replace(sample(10), kind="recrawl")]).reasons == ["article yield 2 (usual 10)"]
    few_listings = replace(sample(10), listings=1)
    usual_listings = [replace(h, listings=6) for h in HISTORY]
    assert judge(few_listings, usual_listings).reasons == ["listing pages fetched 1 (usual 6)"]


def test_a_profile_selector_that_stops_matching_is_named() -> None:
    from dataclasses import replace

    def with_tags(share: float, selector: str = "ul.tags a") -> SiteSample:
        return replace(sample(10), selectors={"tags": {"selector": selector, "share": share}}, fields={"tags": share})

    history = [with_tags(1.0), with_tags(0.9), with_tags(1.0)]
    assert judge(with_tags(0.95), history).healthy
    assert judge(with_tags(0.0), history).reasons == [
        "profile selector tags = 'ul.tags a' matched 0% of articles (usual 100%)",
        "tags found in 0% of articles (usual 100%)",
    ]
    assert judge(with_tags(0.0, "div.labels a"), history).healthy  # an edited selector starts a new history


# -- history from manifests: jobs of several workers, older manifests ------------------------------------------------
def _manifest(crawl_id: str, started: str, **extra) -> bytes:  # type: ignore[no-untyped-def]
    body = {
        "schema_version": 1,
        "crawl_id": crawl_id,
        "status": "complete",
        "started_at": started,
        "finished_at": started.replace(":00Z", ":30Z"),
        "sites": ["lana"],
        "settings": {"sites": ["lana"], "start_urls": []},
        "objects": [],
        **extra,
    }
    return json.dumps(body).encode()


def test_workers_of_one_job_are_one_crawl_and_old_manifests_still_read(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    worker_counts = {"captures": 10, "articles": 4, "articles_new": 3, "articles_changed": 1, "articles_unchanged": 0}
    cover = {"lana": {"articles": 4, "title": 1.0, "published_at": 0.5, "authors": 1.0, "body": 1.0}}
    for worker, started in (("w1", "2026-03-01T06:00:00Z"), ("w2", "2026-03-01T06:01:00Z")):
        store.put_bytes(
            f"crawls/job-7-{worker}/manifest.json",
            _manifest(f"job-7-{worker}", started, job="job-7", worker=worker, counts=worker_counts, coverage=cover),
            content_type="application/json",
        )
    store.put_bytes(
        "crawls/old-1/manifest.json",
        _manifest("old-1", "2026-02-01T00:00:00Z", counts={"captures": 3, "articles": 1, "status_404": 2}),
        content_type="application/json",
    )
    old, job = crawl_history(store)
    assert old.crawl_id == "old-1" and old.versions["articles_new"] is None and old.http_errors == {"404": 2}
    assert job.crawl_id == "job-7" and job.workers == ["job-7-w1", "job-7-w2"]
    assert (job.pages, job.articles, job.versions["articles_new"], job.versions["articles_changed"]) == (20, 8, 6, 2)
    assert job.duration_s == 90 and job.coverage["lana"]["articles"] == 8
    assert find_crawl(store, "job-7").articles == 8
    assert find_crawl(store, "job-7-w2").articles == 4

    listed = archiver("crawls", "list", f"--store={tmp_path}")
    assert listed.returncode == 0, listed.stderr
    assert "job-7 " in listed.stdout and "  worker job-7-w1" in listed.stdout and "6/2/0" in listed.stdout
    missing = archiver("crawls", "show", "nope", f"--store={tmp_path}")
    assert missing.returncode == 3 and "archiver crawls list" in missing.stderr


# -- end to end ----------------------------------------------------------------------------------------------------
def _article(path: str, number: int, broken: bool) -> Reply:
    title, paragraphs = article_text(TOPICS[number % 5], number, extra=2)
    when = f"2026-03-{number % 28 + 1:02d}T10:00:00+02:00"
    author = ["سالم الورفلي", "فاطمة الزوي", "عمر الشريف"][number % 3]
    text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if broken:
        # The redesign: no date or byline anywhere, a teaser on the page and the text rendered by a script.
        teaser = " ".join(" ".join(paragraphs).split()[:30])
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title}
        head = f'<title>{escape(title)}</title><script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
        story = json.dumps(paragraphs, ensure_ascii=False)
        body = (
            f'<article><h1>{escape(title)}</h1><p class="teaser">{escape(teaser)}</p><div id="app"></div></article>'
            f"<script>window.__STORY__ = {story};</script>"
        )
    else:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": when}
        ld["author"] = {"@type": "Person", "name": author}
        head = (
            f'<title>{escape(title)}</title><meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{when}">'
            f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
        )
        body = (
            f'<article><h1>{escape(title)}</h1><div class="byline">بقلم {escape(author)}</div>'
            f'<time datetime="{when}">{when[:10]}</time><div class="entry-content">{text}</div></article>'
        )
    html = f'<!DOCTYPE html><html lang="ar"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'
    return Reply(body=html.encode())


CHALLENGE = b"<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"


def health_site(host: str) -> Site:
    """Each crawl ('phase') lists five new articles (archived ones are not fetched again); from phase 4 on the
    articles are broken and four more links answer 403 with a bot-check page."""
    site = Site("health", host)
    site.state["phase"] = 1

    def home(req: Request) -> Reply:
        phase = req.site.state["phase"]
        links = [f"/news/{phase}-{n}/" for n in range(ARTICLES_PER_CRAWL)]
        if phase >= 4:
            links += [f"/guarded/{phase}-{n}/" for n in range(4)]
        items = "".join(f'<li><a href="{link}">خبر {link}</a></li>' for link in links)
        return Reply(body=f'<html lang="ar"><body><h1>أخبار</h1><ul>{items}</ul></body></html>'.encode())

    def article(req: Request) -> Reply:
        phase, number = (int(x) for x in req.path.split("/")[2].split("-"))
        return _article(req.path, phase * 10 + number, broken=phase >= 4)

    site.add("/", home)
    site.add_prefix("/news/", article)
    site.add_prefix("/guarded/", lambda req: Reply(403, CHALLENGE))
    return site


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_POST(self) -> None:  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/health", received
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_crawl_history_and_health_end_to_end(tmp_path: Path, webhook: tuple[str, list[dict]]) -> None:
    store = tmp_path / "archive"
    site = health_site("127.0.0.22")
    hook_url, received = webhook
    with FixtureWeb([site]):
        for phase in (1, 2, 3):
            site.state["phase"] = phase
            run = archiver(*crawl_args(site.url("/"), store=str(store), extra=(f"--crawl-id=health-{phase}",)))
            assert run.returncode == 0, run.stderr[-3000:]
        healthy = archiver("health", f"--store={store}")
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        assert "127.0.0.22: ok" in healthy.stdout and "all healthy" in healthy.stdout

        site.state["phase"] = 4
        run = archiver(*crawl_args(site.url("/"), store=str(store), extra=("--crawl-id=health-4",)))
        assert run.returncode == 0, run.stderr[-3000:]

    # crawls list / show: the numbers of the manifests
    manifests = {n: json.loads((store / "crawls" / f"health-{n}" / "manifest.json").read_text()) for n in (1, 2, 3, 4)}
    listed = archiver("crawls", "list", f"--store={store}", "--format=json")
    assert listed.returncode == 0, listed.stderr
    entries = json.loads(listed.stdout)
    assert [e["crawl_id"] for e in entries] == ["health-1", "health-2", "health-3", "health-4"]
    for entry in entries:
        counts = manifests[int(entry["crawl_id"][-1])]["counts"]
        assert entry["pages"] == counts["captures"] and entry["bytes_stored"] == counts["bytes_stored"] > 0
        assert entry["sites"] == ["127.0.0.22"] and entry["duration_s"] > 0
    assert [e["articles"] for e in entries] == [ARTICLES_PER_CRAWL] * 4
    assert [e["versions"]["articles_new"] for e in entries] == [ARTICLES_PER_CRAWL] * 4
    assert entries[0]["coverage"]["127.0.0.22"]["published_at"] == 1.0
    assert entries[3]["coverage"]["127.0.0.22"]["published_at"] == 0.0
    assert entries[3]["http_errors"]["403"] == 4
    text = archiver("crawls", "list", f"--store={store}")
    assert text.returncode == 0 and text.stdout.count("127.0.0.22") == 4
    shown = archiver("crawls", "show", "health-2", f"--store={store}")
    assert shown.returncode == 0, shown.stderr
    assert f"pages fetched: {manifests[2]['counts']['captures']}" in shown.stdout
    assert f"articles: {ARTICLES_PER_CRAWL} " in shown.stdout
    assert "coverage 127.0.0.22: 5 articles; title 100%, date 100%, author 100%, body 100%" in shown.stdout
    assert "403: 4" in archiver("crawls", "show", "health-4", f"--store={store}").stdout

    # health: the broken site is named with its reasons, exit 1, and the webhook gets the same report
    report = archiver("health", f"--store={store}", "--format=json", f"--webhook={hook_url}")
    assert report.returncode == 1, report.stdout + report.stderr
    data = json.loads(report.stdout)
    assert data["healthy"] is False and data["unhealthy_sites"] == ["127.0.0.22"]
    (verdict,) = data["sites"]
    assert verdict["latest"]["crawl_id"] == "health-4" and verdict["history"] == 3
    assert verdict["reasons"] == [
        "date found in 0% of articles (usual 100%)",
        "author found in 0% of articles (usual 100%)",
        "body found in 0% of articles (usual 100%)",
        "4 HTTP 403 responses (usual 0)",
        "4 challenge pages (usual 0)",
    ]
    assert received == [data | {"generated_at": received[0]["generated_at"]}]

    text = archiver("health", f"--store={store}", "--window=2")
    assert text.returncode == 1
    assert "127.0.0.22: UNHEALTHY (crawl health-4" in text.stdout and "compared with 2 earlier" in text.stdout
    assert "HTTP 403 responses" in text.stdout

    # a webhook that cannot be reached: one clear line, the exit code is still the report's
    dead = archiver("health", f"--store={store}", f"--webhook=http://127.0.0.1:{_closed_port()}/hook")
    assert dead.returncode == 1
    assert "webhook at 127.0.0.1:" in dead.stderr and "failed after 2 attempts" in dead.stderr


def test_health_without_crawls_is_not_found(tmp_path: Path) -> None:
    run = archiver("health", f"--store={tmp_path}")
    assert run.returncode == 3 and "run `archiver crawl` first" in run.stderr
    bad = archiver("health", f"--store={tmp_path}", "--webhook=ftp://example.org/x")
    assert bad.returncode == 2 and "--webhook" in bad.stderr


def test_workers_of_one_job_add_up_their_selector_hits_and_answers() -> None:
    from dataclasses import replace

    from archiver.ops.health import merge_samples

    def part(share: float, ok: int) -> SiteSample:
        return replace(
            sample(4),
            selectors={"body": {"selector": "div.text", "share": share}},
            fields={"tags": share},
            ok_pages=ok,
            listings=ok - 4,
            robots_errors={"503": 1} if not ok else {},
        )

    merged = merge_samples("job", [part(1.0, 6), part(0.0, 0)])
    assert merged.selectors == {"body": {"selector": "div.text", "share": 0.5}} and merged.fields == {"tags": 0.5}
    assert (merged.ok_pages, merged.robots_errors, merged.articles) == (6, {"503": 1}, 8)
