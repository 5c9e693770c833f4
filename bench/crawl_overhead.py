"""Archiving crawl vs a bare Scrapy spider on the same generated site, side by side, in one run.

    python -m bench.crawl_overhead [--pages 2000] [--rounds 3]

Both crawlers run as separate processes against one loopback server with the same concurrency and no delays,
alternating, so machine noise hits both. Reported: median wall time, pages/s, ratio, median CPU time (user + system
of the crawl process) and its ratio, peak RSS (VmHWM), and the archiving crawl's peak RSS at a quarter of the pages,
to show memory does not grow with the crawl. On a loopback site a crawl is CPU-bound, so the CPU ratio is the
steadier figure when other work shares the machine (wall times then swing by 2x, CPU times by a few per cent).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from html import escape
from pathlib import Path
from typing import NamedTuple

from tests.fixtureweb.server import FixtureWeb, Reply, Site
from tests.fixtureweb.text import TOPICS_AR, article_text

PER_LISTING = 50
SETTINGS = [
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "CONCURRENT_REQUESTS=16",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "DEPTH_LIMIT=0",
    "LOG_LEVEL=WARNING",
]


def generated_site(host: str, pages: int) -> Site:
    site = Site(f"bench-{host}", host)
    topics = list(TOPICS_AR)
    for n in range(pages):
        title, paragraphs = article_text(topics[n % len(topics)], n, extra=3)
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        html = (
            f'<!DOCTYPE html><html lang="ar"><head><meta charset="utf-8"><title>{escape(title)} {n}</title>'
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="2024-02-{n % 28 + 1:02d}T08:00:00+02:00"></head>'
            f'<body><nav><a href="/">الرئيسية</a></nav><article><h1>{escape(title)} {n}</h1>'
            f'<div class="entry-content">{body}</div></article></body></html>'
        ).encode()
        site.add(f"/2024/02/{n % 28 + 1:02d}/story-{n}/", Reply(body=html))
    listings = (pages + PER_LISTING - 1) // PER_LISTING
    for page in range(listings):
        links = "".join(
            f'<li><a href="/2024/02/{n % 28 + 1:02d}/story-{n}/">story {n}</a></li>'
            for n in range(page * PER_LISTING, min(pages, (page + 1) * PER_LISTING))
        )
        nxt = f'<a href="/page/{page + 2}/">next</a>' if page + 1 < listings else ""
        html = f"<html><body><ul>{links}</ul>{nxt}</body></html>".encode()
        site.add("/" if page == 0 else f"/page/{page + 1}/", Reply(body=html))
    site.add("/robots.txt", Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
    return site


# Runs a module as __main__ and, at exit, writes the process's own peak RSS (VmHWM) to the file named in
# BENCH_PEAK_FILE. ru_maxrss would inherit the parent's high-water mark across fork and exec.
_PEAK_WRAPPER = """
import atexit, os, runpy, sys
def _peak():
    status = open("/proc/self/status").read()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    open(os.environ["BENCH_PEAK_FILE"], "w").write(kib)
atexit.register(_peak)
module = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


class Run(NamedTuple):
    wall: float  # seconds
    cpu: float  # user + system seconds of the process
    peak: float  # peak RSS, MiB


def timed(module: str, args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one run of `python -m module args` in its own process."""
    run = measured(module, args)
    return run.wall, run.peak


def measured(module: str, args: list[str]) -> Run:
    """Wall time, CPU time and peak RSS of one run of `python -m module args` in its own process."""
    with tempfile.NamedTemporaryFile(prefix="bench-peak-") as peak:
        env = {**os.environ, "BENCH_PEAK_FILE": peak.name}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _PEAK_WRAPPER, module, *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise RuntimeError(f"{module} {args[:2]} failed with exit code {proc.returncode}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return Run(elapsed, cpu, int(Path(peak.name).read_text() or 0) / 1024)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    results: dict[str, list[Run]] = {"bare": [], "archiver": [], "archiver-quarter": []}
    try:
        big, small = generated_site("127.0.0.41", args.pages), generated_site("127.0.0.42", args.pages // 4)
        with FixtureWeb([big, small]):
            for round_no in range(args.rounds):
                results["bare"].append(measured("bench.bare_spider", [big.url("/")]))
                store = work / f"store-{round_no}"
                sets = [f"--set={s}" for s in SETTINGS]
                archive_cmd = [
                    "crawl",
                    f"--start-url={big.url('/')}",
                    f"--store={store}",
                    *sets,
                ]
                results["archiver"].append(measured("archiver.cli", archive_cmd))
                articles = sum(1 for _ in (store / "articles").rglob("*.json"))
                if articles != args.pages:
                    raise RuntimeError(f"archiving crawl stored {articles} articles, expected {args.pages}")
                shutil.rmtree(store)
                quarter = [
                    "crawl",
                    f"--start-url={small.url('/')}",
                    f"--store={store}",
                    *sets,
                ]
                results["archiver-quarter"].append(measured("archiver.cli", quarter))
                shutil.rmtree(store)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pages = args.pages + (args.pages + PER_LISTING - 1) // PER_LISTING

    def median(name: str, field: str) -> float:
        return statistics.median(getattr(run, field) for run in results[name])

    print(f"generated site: {args.pages} articles + listings = {pages} pages; {args.rounds} rounds, medians")
    print(f"{'crawler':<26}{'wall s':>9}{'pages/s':>10}{'CPU s':>9}{'peak RSS MiB':>14}")
    for name in results:
        wall, cpu, rss = median(name, "wall"), median(name, "cpu"), median(name, "peak")
        count = (
            pages
            if name != "archiver-quarter"
            else args.pages // 4 + (args.pages // 4 + PER_LISTING - 1) // PER_LISTING
        )
        print(f"{name:<26}{wall:>9.2f}{count / wall:>10.1f}{cpu:>9.2f}{rss:>14.1f}")
    print(f"ratio archiver / bare scrapy (wall time): {median('archiver', 'wall') / median('bare', 'wall'):.2f}x")
    print(f"ratio archiver / bare scrapy (CPU time): {median('archiver', 'cpu') / median('bare', 'cpu'):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
