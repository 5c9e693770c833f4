"""Export throughput and memory on a generated store, against a naive in-memory export, side by side.

    python -m bench.export [--articles 100000] [--rounds 3] [--formats jsonl,csv,parquet]

Generates a local store of N article JSON objects (50 sites, random text, every tenth a repost of the previous
story on another site), then runs `archiver export` in its own process: once with an empty catalog (the first
export describes every article for the catalog on its one read: the work a crawl otherwise does as it ends), then
`--rounds` times per format with the catalog filled, each round followed by the naive export, so machine noise
falls on both alike; the same again at N/4, to show that memory does not grow with the article count. The
baseline is what a user would otherwise write: load every JSON into a list, then one pyarrow table to Parquet (no
near-duplicate clustering, no selection). Wall time, CPU time (user+sys of the child: steadier than wall time on a
shared machine) and peak RSS (each process's own VmHWM), medians over the rounds, then how many times the naive
export's time ours takes, by both clocks.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.crawl_overhead import timed
from tests.fixtureweb.text import TOPICS_AR, TOPICS_EN

SITES = 50


def _vocabulary(rng: random.Random) -> list[str]:
    """Words of the fixture texts plus made-up ones: varied enough that unrelated articles do not look alike."""
    words = {
        w for topics in (TOPICS_AR, TOPICS_EN) for title, lines in topics.values() for w in " ".join(lines).split()
    }
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    words |= {"".join(rng.choice(letters) for _ in range(rng.randint(3, 7))) for _ in range(5000)}
    return sorted(words)


def _story(rng: random.Random, vocabulary: list[str]) -> tuple[str, list[str]]:
    title = " ".join(rng.choices(vocabulary, k=8))
    return title, [" ".join(rng.choices(vocabulary, k=rng.randint(30, 60))) for _ in range(rng.randint(4, 8))]


def generate(root: Path, count: int) -> None:
    rng = random.Random(count)
    vocabulary = _vocabulary(rng)
    previous: tuple[str, list[str]] = ("", [])
    for n in range(count):
        site = f"site{n % SITES:02d}"
        # Every tenth article reposts the previous one's story on another site.
        title, body = previous if n % 10 == 9 else _story(rng, vocabulary)
        previous = (title, body)
        english = False
        ident = f"{n:024x}"
        fetched = f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}T{n % 24:02d}:00:00Z"
        article = {
            "schema_version": 1,
            "id": ident,
            "url": f"https://{site}.ly/news/{n}",
            "canonical_url": None,
            "site": site,
            "language": "en" if english else "ar",
            "title": title,
            "subtitle": None,
            "authors": [f"Reporter {rng.randrange(500)}"],
            "published_at": fetched.replace("Z", "+00:00"),
            "updated_at": None,
            "section": "news",
            "tags": ["libya"],
            "body": "\n\n".join(body),
            "images": [],
            "original_source": None,
            "content_hash": f"sha256:{n:064x}",
            "capture": {
                "url": f"https://{site}.ly/news/{n}",
                "fetched_at": fetched,
                "status": 200,
                "warc_file": f"warc/{site}/2024/01/01/c1-00000.warc.gz",
                "record_id": f"<urn:uuid:{n:032x}>",
                "offset": n * 100,
                "length": 100,
                "payload_digest": "sha1:AAAA",
            },
            "extraction": {"method": {"title": "json-ld"}, "extractor_version": "bench"},
        }
        folder = root / "articles" / site / ident
        folder.mkdir(parents=True)
        (folder / f"{fetched.replace(':', '').replace('-', '')}.json").write_text(
            json.dumps(article, ensure_ascii=False)
        )


def naive_main(store: str, out: str) -> None:
    """The baseline run in a child process: everything in memory at once."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(p.read_text()) for p in sorted(Path(store, "articles").rglob("*.json"))]
    for row in rows:
        row["capture"] = json.dumps(row["capture"])
        row["extraction"] = json.dumps(row["extraction"])
    pq.write_table(pa.Table.from_pylist(rows), out)


def _run(module: str, args: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, rss = timed(module, args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, rss


def _line(label: str, count: int, wall: float, cpu: float, rss: float) -> None:
    print(
        f"{label:<38}{count:>9}{wall:>9.1f}{count / wall:>12.0f}{cpu:>8.1f}{count / cpu:>10.0f}{rss:>14.1f}", flush=True
    )


def _median(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), max(r[2] for r in runs))


def _measure(count: int, work: Path, formats: list[str], rounds: int) -> None:
    store = work / f"store-{count}"
    generate(store, count)

    def ours(fmt: str, name: str) -> tuple[float, float, float]:
        out = work / f"{name}-{count}.{fmt}"
        result = _run("archiver.cli", ["export", "--format", fmt, "--out", str(out), f"--store={store}"])
        for path in out.parent.glob(f"{out.name}*"):
            path.unlink()
        return result

    _line("archiver export jsonl, empty catalog", count, *ours("jsonl", "cold"))
    runs: dict[str, list[tuple[float, float, float]]] = {fmt: [] for fmt in [*formats, "naive"]}
    for _round in range(rounds):
        for fmt in formats:
            runs[fmt].append(ours(fmt, "warm"))
        naive_out = work / f"naive-{count}.parquet"
        runs["naive"].append(_run("bench.export", ["--naive", str(store), str(naive_out)]))
        naive_out.unlink()
    naive = _median(runs["naive"])
    for fmt in formats:
        _line(f"archiver export {fmt}", count, *_median(runs[fmt]))
    _line("naive in-memory (json+pyarrow)", count, *naive)
    for fmt in formats:
        wall, cpu, rss = _median(runs[fmt])
        print(
            f"  {fmt}: {wall / naive[0]:.2f}x the naive export's wall time, {cpu / naive[1]:.2f}x its CPU time; "
            f"peak RSS {rss:.0f} MiB against {naive[2]:.0f} MiB",
            flush=True,
        )
    shutil.rmtree(store)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each export with the catalog filled")
    parser.add_argument("--formats", default="jsonl,csv,parquet", help="comma-separated")
    parser.add_argument("--naive", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.naive:
        naive_main(*args.naive)
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        print(
            f"{'run (medians)':<38}{'articles':>9}{'wall s':>9}{'articles/s':>12}{'cpu s':>8}{'art/cpu-s':>10}"
            f"{'peak RSS MiB':>14}"
        )
        for count in (args.articles // 4, args.articles):
            _measure(count, work, args.formats.split(","), args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
