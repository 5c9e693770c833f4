"""`snapshot` and `history` latency on a store of 100,000 captures, and `reindex` time, beside the lookup a user
would otherwise run (grep over the CDXJ indexes, as with pywb's plain CDXJ files), in one run.

    python -m bench.lookup [--captures 100000] [--queries 200]

The store is generated with the archive's own writers: WARC files of response, request and article metadata
records (5 captures per URL over 5 crawls; the article changes in 2 of them), CDXJ files computed from the WARCs by
the crawl's own indexer, article JSON for each new version, and one manifest per crawl. Lookups run against a warm
catalog (in-process, the library calls the CLI makes) and as whole `archiver` processes (Python start included).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver.catalog.catalog import Catalog
from archiver.catalog.cdxj import index_warc, urlkey
from archiver.retrieval.lookup import history, snapshot_article, snapshot_html
from archiver.store import open_store
from archiver.store.layout import cdxj_key, manifest_key
from archiver.warc import records
from archiver.warc.writer import WarcFile
from bench.crawl_overhead import timed

CRAWLS = 5
SITES = 20
PER_WARC = 1000


def _page(title: str, body: str) -> bytes:
    html = f'<html lang="ar"><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1><p>{body}</p></body></html>'
    data = html.encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(data) + data


def generate(root: Path, captures: int) -> list[str]:
    """Write the store; returns its URLs."""
    rng = random.Random(captures)
    urls = [f"https://site{n % SITES:02d}.example.ly/news/{n}/" for n in range(captures // CRAWLS)]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for crawl in range(CRAWLS):
        crawl_id = f"bench{crawl}"
        moment = base + timedelta(days=crawl)
        objects = []
        by_site: dict[str, list[str]] = {}
        for url in urls:
            by_site.setdefault(url.split("/")[2].split(".")[0], []).append(url)
        for site, site_urls in sorted(by_site.items()):
            for serial, start in enumerate(range(0, len(site_urls), PER_WARC)):
                key = f"warc/{site}/{moment:%Y/%m/%d}/{crawl_id}-{serial:05d}.warc.gz"
                path = root / key
                path.parent.mkdir(parents=True, exist_ok=True)
                warc = WarcFile(path, key, [("software", "bench")], moment)
                for url in site_urls[start : start + PER_WARC]:
                    number = int(url.rstrip("/").rsplit("/", 1)[1])
                    edition = 0 if crawl < 2 else (1 if crawl < 4 else 2)  # the text changes twice
                    title = f"خبر رقم {number} الطبعة {edition}"
                    raw = _page(title, "نص الخبر " * rng.randint(20, 60))
                    response_id = records.new_record_id()
                    when = moment + timedelta(seconds=number % 86000)
                    warc.write(
                        records.response_record(
                            url, raw, raw.index(b"\r\n\r\n") + 4, record_id=response_id, moment=when, ip=None
                        )
                    )
                    request = b"GET /news/%d/ HTTP/1.1\r\nHost: x\r\n\r\n" % number
                    warc.write(
                        records.request_record(
                            url,
                            request,
                            record_id=records.new_record_id(),
                            concurrent_to=response_id,
                            moment=when,
                            ip=None,
                        )
                    )
                    article_id = hashlib.sha256(url.encode()).hexdigest()[:24]
                    content_hash = "sha256:" + hashlib.sha256(title.encode()).hexdigest()
                    new = crawl in (0, 2, 4)
                    first_of_edition = {0: 0, 1: 2, 2: 4}[edition]
                    version_moment = base + timedelta(days=first_of_edition, seconds=number % 86000)
                    article_key = f"articles/{site}/{article_id}/{version_moment:%Y%m%dT%H%M%S%fZ}.json"
                    if new:
                        article = {
                            "schema_version": 1,
                            "id": article_id,
                            "url": url,
                            "title": title,
                            "content_hash": content_hash,
                        }
                        article["capture"] = {
                            "record_id": response_id,
                            "warc_file": key,
                            "fetched_at": records.warc_date(when),
                        }
                        target = root / article_key
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_text(json.dumps(article, ensure_ascii=False))
                    fields = [
                        ("article-key", article_key),
                        ("article-version", "new" if new else "same"),
                        ("content-hash", content_hash),
                        ("article-title", title),
                    ]
                    warc.write(records.metadata_record(url, fields, refers_to=response_id, moment=when))
                warc.close()
                with path.open("rb") as handle:
                    lines = index_warc(handle, key)
                index = root / cdxj_key(key)
                index.parent.mkdir(parents=True, exist_ok=True)
                index.write_bytes(b"".join(line + b"\n" for line in lines))
                objects += [{"key": key, "kind": "warc"}, {"key": cdxj_key(key), "kind": "cdxj"}]
        manifest = root / manifest_key(crawl_id)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps({"crawl_id": crawl_id, "status": "complete", "objects": objects}))
    return urls


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--captures", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--processes", type=int, default=20, help="whole-CLI runs per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-lookup-") as tmp:
        root = Path(tmp) / "store"
        started = time.perf_counter()
        urls = generate(root, args.captures)
        print(f"generated {args.captures} captures of {len(urls)} URLs in {time.perf_counter() - started:.0f} s")
        cli_reindex, reindex_rss = timed("archiver.cli", ["reindex", f"--store={root}"])
        print(f"reindex (whole CLI process, fresh catalog): {cli_reindex:.1f} s, peak RSS {reindex_rss:.0f} MiB")

        catalog = Catalog.open(open_store(str(root)))
        rng = random.Random(7)
        sample = rng.sample(urls, min(args.queries, len(urls)))
        at = records.warc_date(datetime(2026, 1, 3, 12, tzinfo=UTC))
        rows = []
        for name, call in (
            ("history", lambda u: history(catalog, u)),
            ("snapshot json --at", lambda u: snapshot_article(catalog, u, at)),
            ("snapshot html", lambda u: snapshot_html(catalog, u, None)),
        ):
            times = []
            for url in sample:
                t0 = time.perf_counter()
                call(url)
                times.append(time.perf_counter() - t0)
            rows.append((name, _median_ms(times), max(times) * 1000))
        grep_times = []
        index_dir = root / "indexes" / "cdxj"
        for url in sample[: args.processes]:
            t0 = time.perf_counter()
            subprocess.run(["grep", "-rh", "--", f"^{urlkey(url)} ", str(index_dir)], capture_output=True, check=False)
            grep_times.append(time.perf_counter() - t0)
        # Whole processes, twice: as this environment runs them, and with Python's bytecode cache on (a normal
        # install; some sandboxes set PYTHONDONTWRITEBYTECODE=1, and then every run compiles our sources again).
        cached_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        variants = {"": dict(os.environ), ", bytecode cached": cached_env}
        cli_times: dict[str, list[float]] = {}
        for label, env in variants.items():
            subprocess.run(
                [sys.executable, "-m", "archiver.cli", "history", sample[0], f"--store={root}"],
                capture_output=True,
                check=True,
                env=env,
            )  # warm-up (writes the cache where allowed)
            for url in sample[: args.processes]:
                for command in ("history", "snapshot"):
                    t0 = time.perf_counter()
                    subprocess.run(
                        [sys.executable, "-m", "archiver.cli", command, url, f"--store={root}"],
                        capture_output=True,
                        check=True,
                        env=env,
                    )
                    cli_times.setdefault(command + label, []).append(time.perf_counter() - t0)
        print(f"\n{'lookup (warm catalog, in process)':<36} {'median ms':>10} {'max ms':>8}")
        for name, median, worst in rows:
            print(f"{name:<36} {median:>10.2f} {worst:>8.1f}")
        print(f"\n{'whole process':<36} {'median ms':>10}")
        for command, times in cli_times.items():
            print(f"{'archiver ' + command:<36} {_median_ms(times):>10.1f}")
        print(f"{'grep -r over the CDXJ files':<36} {_median_ms(grep_times):>10.1f}")
        grep_ms, cli_ms = _median_ms(grep_times), _median_ms(cli_times["history, bytecode cached"])
        print(
            f"\nratio archiver history (bytecode cached) / grep: {cli_ms / grep_ms:.2f}; in process / grep: {rows[0][1] / grep_ms:.3f}"
        )


if __name__ == "__main__":
    main()
