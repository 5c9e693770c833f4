"""A backfill of a generated outlet on loopback: 20,000 articles behind 400 listing pages (/page/2/ ... /page/400/).

    python -m bench.backfill [--articles 20000] [--per-page 50]

The outlet (tests/fixtureweb/outlet.py) is served in this process; the crawls run as `archiver crawl` processes
with the default DEPTH_LIMIT (6), no delays and the same concurrency as bench/crawl_overhead.py. Reported: the
backfill's wall time and pages/s, the peak RSS (VmHWM) of its crawl process, whether every article was archived
and none fetched twice, then the request count of a second (incremental) crawl of the same outlet.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from bench.crawl_overhead import timed
from tests.fixtureweb.outlet import Outlet, OutletShape
from tests.fixtureweb.server import FixtureWeb

SETTINGS = [
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "CONCURRENT_REQUESTS=16",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "LOG_LEVEL=WARNING",
    "ARCHIVER_PROGRESS_INTERVAL=0",
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--per-page", type=int, default=50)
    parser.add_argument("--plain", action="store_true", help="the first crawl without --backfill (no journal)")
    args = parser.parse_args()
    shape = OutletShape(articles=args.articles, per_page=args.per_page, hours_apart=6)
    outlet = Outlet("bench-backfill", "127.0.0.150", shape)
    work = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    try:
        with FixtureWeb([outlet.site]):
            store = work / "store"
            base = ["crawl", f"--start-url={outlet.site.url('/')}", f"--store={store}"]
            base += [f"--set={s}" for s in SETTINGS]
            wall, rss = timed("archiver.cli", base if args.plain else [*base, "--backfill"])
            first = list(outlet.site.log)
            outlet.site.log.clear()
            again, again_rss = timed("archiver.cli", base)
            second = list(outlet.site.log)
        articles = [p for _m, p in first if outlet.number_of(p) is not None]
        stored = sum(
            1 for path in (store / "articles").rglob("*.json") if path.parent.parent.parent == store / "articles"
        )
        listing_pages = outlet.pages()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"outlet: {args.articles} articles behind {listing_pages} listing pages (DEPTH_LIMIT 6)")
    print(
        f"{'first crawl' if args.plain else 'backfill'}: {len(first)} requests in {wall:.1f} s = {len(first) / wall:.1f} pages/s; "
        f"peak RSS {rss:.0f} MiB; {stored} articles stored; {len(articles)} article fetches, "
        f"{len(articles) - len(set(articles))} of them repeats"
    )
    print(
        f"second crawl: {len(second)} requests ({', '.join(p for _m, p in second)}) in {again:.1f} s; peak RSS {again_rss:.0f} MiB"
    )
    return 0 if stored == args.articles and len(set(articles)) == len(articles) else 1


if __name__ == "__main__":
    sys.exit(main())
