"""Throughput of 1, 2 and 4 crawl workers sharing one job through the Redis frontier.

    python -m bench.distributed [--pages 600] [--delay 0.2] [--frontier redis://127.0.0.1:6379/14]

One loopback site answers every request after `--delay` seconds (a slow news site; the server has a thread per
connection). Each worker runs CONCURRENT_REQUESTS=4; the crawl-wide per-origin limit
(CONCURRENT_REQUESTS_PER_DOMAIN, enforced in Redis) is 16, so it does not bind at 4 workers but is still taken
for every request, with a 2 ms crawl-wide download delay. A last row sets the limit to 4 with 4 workers: the
limit binds and 4 workers go no faster than one. The server counts requests in flight; "peak/domain" is the most
it ever saw at once. Wall time runs from starting the workers to the last one exiting (start-up and the 1 s
end-of-crawl grace included); "fetch s" is the server's first to last request. The Redis database must be empty
(it is claimed for the benchmark, and emptied at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.crawl_overhead import _PEAK_WRAPPER, PER_LISTING, generated_site
from tests.fixtureweb.server import FixtureWeb, Reply, Request, Site


class SlowSite(Site):
    """Every answer takes `delay` seconds; counts requests in flight."""

    def __init__(self, name: str, host: str, delay: float) -> None:
        super().__init__(name, host)
        self.delay = delay
        self.active = 0
        self.peak = 0
        self.first = self.last = 0.0
        self._count_lock = threading.Lock()

    def handle(self, request: Request) -> Reply:
        with self._count_lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.first = self.first or time.monotonic()
        try:
            time.sleep(self.delay)
            return super().handle(request)
        finally:
            with self._count_lock:
                self.active -= 1
                self.last = time.monotonic()

    def reset(self) -> None:
        self.log.clear()
        self.times.clear()
        self.peak = 0
        self.first = self.last = 0.0


@dataclass
class Row:
    workers: int
    limit: int
    pages: int
    wall: float
    fetch: float
    peak_rss_mib: float
    peak_domain: int


def run(site: SlowSite, frontier: str, workers: int, limit: int, work: Path, expected: int) -> Row:
    store = work / f"store-{workers}-{limit}"
    job = f"bench-{workers}-{limit}"
    sets = [
        "DOWNLOAD_DELAY=0.002",
        "CONCURRENT_REQUESTS=4",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={limit}",
        "DEPTH_LIMIT=0",
        "LOG_LEVEL=WARNING",
        "ARCHIVER_FRONTIER_IDLE_GRACE=1",
        "ARCHIVER_FRONTIER_POLL=0.1",
    ]
    args = ["crawl", f"--start-url={site.url('/')}", f"--store={store}", f"--frontier={frontier}", f"--crawl-id={job}"]
    args += [f"--set={s}" for s in sets]
    site.reset()
    peaks = [work / f"peak-{job}-{n}" for n in range(workers)]
    start = time.perf_counter()
    logs = [work / f"log-{job}-{n}.txt" for n in range(workers)]
    processes = []
    for peak, log in zip(peaks, logs, strict=True):
        with log.open("wb") as stderr:  # a file, not a pipe: a full pipe would stall a worker's reactor
            command = [sys.executable, "-c", _PEAK_WRAPPER, "archiver.cli", *args]
            env = {**os.environ, "BENCH_PEAK_FILE": str(peak)}
            processes.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr))
    for process in processes:
        process.wait()
    wall = time.perf_counter() - start
    for process, log in zip(processes, logs, strict=True):
        if process.returncode != 0:
            raise RuntimeError(f"a worker failed ({process.returncode}): {log.read_text(errors='replace')[-2000:]}")
    rss = [int(peak.read_text() or 0) / 1024 for peak in peaks]
    articles = [json.loads(p.read_text()) for p in (store / "articles").rglob("*.json")]
    copies = Counter(a["url"] for a in articles)
    if len(articles) != expected or len(copies) != expected:
        twice = [
            (a["url"], a["capture"]["fetched_at"], a["capture"]["warc_file"]) for a in articles if copies[a["url"]] > 1
        ]
        raise RuntimeError(
            f"{len(articles)} article objects of {len(copies)} articles, expected {expected}: {twice[:6]}"
        )
    pages = sum(1 for _m, path in site.log if path != "/robots.txt")
    shutil.rmtree(store)
    client = redis.Redis.from_url(frontier)
    for key in client.scan_iter("archiver:*"):
        client.delete(key)
    return Row(workers, limit, pages, wall, site.last - site.first, max(rss), site.peak)


def claim_database(url: str | None) -> str | None:
    """An empty Redis database, claimed with a key so a concurrent test run or benchmark does not take it too."""
    candidates = [url] if url else [f"redis://127.0.0.1:6379/{n}" for n in range(15, 0, -1)]
    for candidate in candidates:
        client = redis.Redis.from_url(candidate)
        if client.dbsize() == 0 and client.set("bench-distributed:claim", "1", nx=True, ex=3600):
            return candidate
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=600, help="articles on the site (plus listings)")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the site takes for each answer")
    parser.add_argument("--frontier", help="an empty Redis database (default: the first empty one on 127.0.0.1:6379)")
    args = parser.parse_args()
    frontier = claim_database(args.frontier)
    if frontier is None:
        print("no empty Redis database to use; give one with --frontier redis://HOST:PORT/N", file=sys.stderr)
        return 2
    site = SlowSite("bench-slow", "127.0.0.45", args.delay)
    site.routes = generated_site("127.0.0.45", args.pages).routes
    work = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    rows: list[Row] = []
    try:
        with FixtureWeb([site]):
            for workers, limit in ((1, 16), (2, 16), (4, 16), (4, 4)):
                rows.append(run(site, frontier, workers, limit, work, args.pages))
    except Exception:
        print(f"stores and worker logs kept in {work}", file=sys.stderr)
        raise
    finally:
        redis.Redis.from_url(frontier).flushdb()
    shutil.rmtree(work, ignore_errors=True)
    listings = (args.pages + PER_LISTING - 1) // PER_LISTING
    print(
        f"site: {args.pages} articles + {listings} listings, {args.delay * 1000:.0f} ms per answer; 4 requests/worker"
    )
    header = (
        "workers",
        "limit",
        "pages",
        "wall s",
        "pages/s",
        "speedup",
        "fetch s",
        "peak RSS/worker MiB",
        "peak/domain",
    )
    print(" | ".join(header))
    base = rows[0].pages / rows[0].wall
    for row in rows:
        rate = row.pages / row.wall
        cells = (row.workers, row.limit, row.pages, f"{row.wall:.1f}", f"{rate:.1f}", f"{rate / base:.2f}")
        cells += (f"{row.fetch:.1f}", f"{row.peak_rss_mib:.0f}", row.peak_domain)
        print(" | ".join(str(c).rjust(len(h)) for c, h in zip(cells, header, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
