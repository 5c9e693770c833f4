"""Distributed crawling through a Redis frontier: several worker processes share one crawl job.

Real Redis at 127.0.0.1:6379 (each test takes its own database, emptied before and after), real crawls of the
fixture web on 127.0.0.31+, real SIGKILL. The sites are served per test so their logs belong to that test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from archiver.crawl.archive.recovery import recover_spool
from archiver.crawl.archive.spool import Spool
from archiver.store import open_store
from tests.conftest import ROOT, CrawledArchive, archiver, crawl_args
from tests.fixtureweb.numbered import article_number, numbered_article, numbered_site
from tests.fixtureweb.server import FixtureWeb, Reply, Request, Site
from tests.fixtureweb.sites import aggregator_site, feed_site, legacy_site, robots_down_site, sahil_site

REDIS = "redis://127.0.0.1:6379"
# Short leases and grace so a dead worker's requests come back, and the job ends, within seconds.
FRONTIER_SETTINGS = ["ARCHIVER_FRONTIER_LEASE_TTL=3", "ARCHIVER_FRONTIER_IDLE_GRACE=1", "ARCHIVER_FRONTIER_POLL=0.1"]
CLAIM_KEY = "test-distributed:claim"


@pytest.fixture
def frontier() -> Iterator[str]:
    """An empty Redis database of this test's own (redis://127.0.0.1:6379/N), emptied again afterwards.

    Each test claims a database that holds nothing else, so concurrent test runs and other users of the server
    never see each other's keys."""
    try:
        redis.Redis.from_url(f"{REDIS}/0").ping()
    except redis.ConnectionError:
        pytest.fail("no Redis server at 127.0.0.1:6379: start it (.ci/run does)")
    for number in range(15, 0, -1):
        client = redis.Redis.from_url(f"{REDIS}/{number}")
        if client.dbsize() == 0 and client.set(CLAIM_KEY, "1", nx=True, ex=900):
            break
    else:
        pytest.fail("no empty Redis database (1-15) at 127.0.0.1:6379 to use")
    yield f"{REDIS}/{number}"
    stop_leftover_workers()  # a failed test must not leave a worker writing into the database after the flush
    client.flushdb()


def fixture_sites(first: int = 31) -> list[Site]:
    makers = (sahil_site, feed_site, legacy_site, robots_down_site, aggregator_site)
    return [make(f"127.0.0.{first + n}") for n, make in enumerate(makers)]


_started: list[subprocess.Popen[str]] = []


def start_worker(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _started.append(process)
    return process


def stop_leftover_workers() -> None:
    while _started:
        process = _started.pop()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def finish(process: subprocess.Popen[str], timeout: float = 90) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def worker_args(starts: list[str], store: Path, frontier: str, job: str, *extra: str) -> list[str]:
    sets = [f"--set={s}" for s in FRONTIER_SETTINGS]
    return crawl_args(*starts, store=str(store), extra=(f"--frontier={frontier}", f"--crawl-id={job}", *sets, *extra))


# -- what the store holds ---------------------------------------------------------------------------------------
def site_path(url: str, names: dict[str, str]) -> tuple[str, str]:
    """(fixture site name, path and query): comparable across crawls of sites served on other addresses."""
    parts = urlsplit(url)
    return names.get(f"{parts.hostname}:{parts.port}", parts.netloc), parts.path + (
        f"?{parts.query}" if parts.query else ""
    )


def origin_names(sites: list[Site] | dict[str, Site]) -> dict[str, str]:
    return {f"{s.host}:{s.port}": s.name for s in (sites.values() if isinstance(sites, dict) else sites)}


def article_copies(store: Path, names: dict[str, str]) -> Counter[tuple[str, str]]:
    """How many article JSON objects each article has (by site and path)."""
    copies: Counter[tuple[str, str]] = Counter()
    ids: dict[str, tuple[str, str]] = {}
    for path in (store / "articles").rglob("*.json"):
        article = json.loads(path.read_text(encoding="utf-8"))
        key = site_path(article["url"], names)
        assert ids.setdefault(article["id"], key) == key
        copies[key] += 1
    return copies


def response_records(store: Path, names: dict[str, str]) -> Counter[tuple[str, str]]:
    """Response records per URL over every WARC in the store; robots.txt left out (each worker fetches its own)."""
    counts: Counter[tuple[str, str]] = Counter()
    for path in (store / "warc").rglob("*.warc.gz"):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "response":
                    key = site_path(record.rec_headers.get_header("WARC-Target-URI"), names)
                    if key[1] != "/robots.txt":
                        counts[key] += 1
    return counts


def manifests(store: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((store / "crawls").glob("*/manifest.json"))]


# -- tests ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("workers", [2, 3])
def test_workers_share_one_crawl_and_archive_every_article_once(
    workers: int, frontier: str, crawled: CrawledArchive, tmp_path: Path
) -> None:
    sites = fixture_sites()
    store = tmp_path / "archive"
    job = f"shared-{workers}"
    with FixtureWeb(sites):
        starts = [f"{s.origin}/" for s in sites]
        processes = [start_worker(*worker_args(starts, store, frontier, job)) for _ in range(workers)]
        results = [finish(p) for p in processes]
    for code, _out, err in results:
        assert code == 0, err[-3000:]

    names = origin_names(sites)
    single_names = origin_names(crawled.web.sites)
    articles = article_copies(store, names)
    single_articles = article_copies(crawled.store, single_names)
    assert set(articles) == set(single_articles)  # the union of the workers' articles is the single crawl's
    assert set(articles.values()) == {1}  # ... and each one archived once

    captures = response_records(store, names)
    single_captures = response_records(crawled.store, single_names)
    assert set(articles) <= set(captures)
    for key, count in captures.items():
        # A 429 or 503 and its retry are two captures in one process too; nothing is fetched twice otherwise.
        assert count == single_captures.get(key, 1), key

    found = manifests(store)
    assert len(found) == workers
    assert {m["job"] for m in found} == {job}
    assert len({m["worker"] for m in found}) == workers
    assert {m["crawl_id"] for m in found} == {f"{job}-w{m['worker']}" for m in found}
    assert sum(m["counts"].get("articles", 0) for m in found) == len(articles)
    assert all(m["finish_reason"] == "finished" for m in found)

    # robots.txt Crawl-delay 0.2 holds for the crawl, not per worker: the sahil site never saw requests faster.
    times = sorted(t for t, path, _h in sites[0].times if path != "/robots.txt")
    assert len(times) >= 10
    assert times[-1] - times[0] >= 0.2 * (len(times) - 1) * 0.9

    left = redis.Redis.from_url(frontier)
    assert left.hget(f"archiver:crawl:{job}:job", "status") == b"done"
    assert left.lrange("archiver:jobs", 0, -1) == []
    assert 0 < left.ttl(f"archiver:crawl:{job}:dupefilter") <= 86400


class Gate:
    """Article pages answer slowly; after `open_first` of them, the rest wait until the gate opens."""

    def __init__(self, open_first: int) -> None:
        self.open_first = open_first
        self.served = 0
        self.active = 0
        self.peak = 0
        self.event = threading.Event()
        self.lock = threading.Lock()


def gated_site(host: str, gate: Gate, count: int = 30, delay: float = 0.3) -> Site:
    def article(req: Request) -> Reply:
        with gate.lock:
            gate.active += 1
            gate.peak = max(gate.peak, gate.active)
            gate.served += 1
            wait = gate.served > gate.open_first
        try:
            if wait:
                gate.event.wait(60)
            time.sleep(delay)
        finally:
            with gate.lock:
                gate.active -= 1
        return numbered_article(article_number(req), number_in_title=True)

    site = numbered_site("gated", host, count, article)
    site.state["expected"] = {f"/news/{n}/" for n in range(count)}
    return site


def wait_for(condition, timeout: float = 30.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def workers_by_pid(client: redis.Redis, job: str) -> dict[int, str]:
    return {json.loads(v)["pid"]: k.decode() for k, v in client.hgetall(f"archiver:crawl:{job}:workers").items()}


def test_a_killed_worker_leaves_its_requests_to_the_others(frontier: str, tmp_path: Path) -> None:
    gate = Gate(open_first=8)
    site = gated_site("127.0.0.36", gate)
    store = tmp_path / "archive"
    job = "killjob"
    client = redis.Redis.from_url(frontier)
    with FixtureWeb([site]):
        args = worker_args([site.url("/")], store, frontier, job, "--set=CONCURRENT_REQUESTS_PER_DOMAIN=4")
        processes = [start_worker(*args) for _ in range(3)]
        wait_for(lambda: len(workers_by_pid(client, job)) == 3, what="the workers to register")
        # The victim is a worker holding a request whose response is held back at the gate: it dies with work in
        # hand. (Which worker holds one depends on who got the crawl-wide slots first, so it is chosen here.)
        wait_for(lambda: gate.served > gate.open_first, what="the gate to close")
        tokens = {token: pid for pid, token in workers_by_pid(client, job).items()}
        holder = wait_for(
            lambda: next(
                (
                    t
                    for k in client.zrange(f"archiver:crawl:{job}:leases", 0, -1)
                    if (t := k.decode().split(":")[0]) in tokens
                ),
                None,
            ),
            what="a lease held by a worker",
        )
        victim = next(p for p in processes if p.pid == tokens[holder])
        token = holder
        time.sleep(0.5)  # the responses let through are written by now
        held = [k for k in client.zrange(f"archiver:crawl:{job}:leases", 0, -1) if k.decode().startswith(f"{token}:")]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        gate.event.set()
        survivors = [finish(p) for p in processes if p is not victim]
    for code, _out, err in survivors:
        assert code == 0, err[-3000:]
    assert any("back in the queue" in err for _c, _o, err in survivors)

    # What the victim captured before it died is in its spool; the next run on that machine uploads it.
    recovery = recover_spool(open_store(str(store)), Spool.for_store(open_store(str(store))))
    assert recovery.manifests == [f"crawls/{job}-w{token}/manifest.json"]

    names = origin_names([site])
    expected = {("gated", path) for path in site.state["expected"]}
    articles = article_copies(store, names)
    assert set(articles) == expected
    assert set(articles.values()) == {1}  # the victim's held requests were never answered: redone once, elsewhere
    captures = response_records(store, names)
    assert all(captures[key] == 1 for key in expected)
    assert held  # the victim really had work in hand
    assert gate.peak <= 4  # CONCURRENT_REQUESTS_PER_DOMAIN=4 held over all three workers


def test_the_worker_command_joins_announced_jobs_and_stops_on_sigterm(frontier: str, tmp_path: Path) -> None:
    gate = Gate(open_first=0)
    site = gated_site("127.0.0.37", gate, count=12, delay=0.1)
    store = tmp_path / "archive"
    job = "announced"
    client = redis.Redis.from_url(frontier)
    with FixtureWeb([site]):
        daemon = start_worker("worker", f"--frontier={frontier}", "--poll=0.2")
        # Four requests at a time per worker, so the first one cannot take all twelve before the second arrives.
        crawl = start_worker(*worker_args([site.url("/")], store, frontier, job, "--set=CONCURRENT_REQUESTS=4"))
        # Nothing gets past the gate until the worker command's own crawl process has joined the job.
        wait_for(lambda: len(workers_by_pid(client, job)) == 2, what="the worker to join")
        gate.event.set()
        code, out, err = finish(crawl)
        assert code == 0, err[-3000:]
        assert f"job: {job}" in out
        wait_for(lambda: len(manifests(store)) == 2, what="the joined worker's manifest")
        daemon.send_signal(signal.SIGTERM)
        daemon_code, _out, daemon_err = finish(daemon, timeout=30)
    assert daemon_code == 0, daemon_err[-3000:]
    assert f"joining crawl job {job}" in daemon_err
    found = manifests(store)
    assert {m["job"] for m in found} == {job}
    assert all(m["counts"].get("articles", 0) > 0 for m in found)  # both did part of the work
    articles = article_copies(store, origin_names([site]))
    assert set(articles) == {("gated", p) for p in site.state["expected"]}
    assert set(articles.values()) == {1}


def test_max_pages_holds_across_workers(frontier: str, tmp_path: Path) -> None:
    gate = Gate(open_first=1000)
    site = gated_site("127.0.0.38", gate, count=30, delay=0.05)
    store = tmp_path / "archive"
    with FixtureWeb([site]):
        args = worker_args([site.url("/")], store, frontier, "budget", "--max-pages=6")
        results = [finish(p) for p in [start_worker(*args) for _ in range(2)]]
    assert all(code == 0 for code, _o, _e in results), results[0][2][-2000:]
    pages = [path for _m, path in site.log if path not in ("/robots.txt", "/sitemap.xml")]
    assert len(pages) == 6


def test_unreachable_frontier_is_a_configuration_error(tmp_path: Path) -> None:
    crawl = archiver(
        *crawl_args("http://127.0.0.39/", store=str(tmp_path / "a"), extra=("--frontier=redis://127.0.0.1:1/0",))
    )
    assert crawl.returncode == 2
    assert crawl.stderr.strip().splitlines()[-1].startswith("archiver: cannot reach frontier redis://127.0.0.1:1/0: ")
    worker = archiver("worker", "--frontier=redis://127.0.0.1:1/0")
    assert worker.returncode == 2
    assert "cannot reach frontier redis://127.0.0.1:1/0" in worker.stderr
    wrong = archiver(*crawl_args("http://127.0.0.39/", store=str(tmp_path / "a"), extra=("--frontier=http://x/",)))
    assert wrong.returncode == 2 and "use redis://HOST:PORT/DB" in wrong.stderr


def test_joining_a_job_nobody_announced_is_not_found(frontier: str, tmp_path: Path) -> None:
    run = archiver("crawl", f"--frontier={frontier}", "--crawl-id=nosuchjob", "--join", f"--store={tmp_path / 'a'}")
    assert run.returncode == 3
    assert "no crawl job nosuchjob" in run.stderr


def test_workers_share_an_s3_store_and_a_postgresql_catalog(
    frontier: str,
    s3,  # type: ignore[no-untyped-def]
    s3_client,  # type: ignore[no-untyped-def]
    postgres_catalog: str,
    tmp_path: Path,
) -> None:
    """The multi-machine set-up: the store is S3 (SeaweedFS), the catalog PostgreSQL; every worker its own spool."""
    s3_client.create_bucket(Bucket="distributed")
    store = "s3://distributed/archive"
    site = sahil_site("127.0.0.40")
    with FixtureWeb([site]):
        extra = (f"--frontier={frontier}", "--crawl-id=s3pg", f"--catalog={postgres_catalog}")
        args = crawl_args(site.url("/"), store=store, extra=(*extra, *(f"--set={s}" for s in FRONTIER_SETTINGS)))
        processes = [
            start_worker(*args, env={**os.environ, **s3.env, "XDG_STATE_HOME": str(tmp_path / f"state{n}")})
            for n in range(2)
        ]
        results = [finish(p) for p in processes]
    for code, _out, err in results:
        assert code == 0, err[-3000:]
    expected = set(site.state["expected"])
    os.environ.update(s3.env)
    keys = [info.key for info in open_store(store).list("articles/")]
    assert len(keys) == len(expected)  # every article once, over both workers
    url = site.url(sorted(expected)[0])
    run = archiver("history", url, "--format=json", f"--store={store}", f"--catalog={postgres_catalog}", env=s3.env)
    assert run.returncode == 0, run.stderr
    assert [h["status"] for h in json.loads(run.stdout)] == [200]
    listed = archiver("crawls", "list", f"--store={store}", env=s3.env)
    assert listed.returncode == 0 and "s3pg" in listed.stdout
