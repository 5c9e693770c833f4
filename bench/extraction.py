"""archiver.extract vs its peers, side by side: time per page, peak memory and accuracy.

    make bench-install                                   # .venv-bench: the project plus the peers (bench extra)
    .venv-bench/bin/python -m bench.extraction [--rounds 5]           # the reviewed corpus, vs trafilatura
    .venv-bench/bin/python -m bench.extraction --aeb DIR [--rounds 3] # article-extraction-benchmark, 181 pages,
                                                                      # vs trafilatura, readability-lxml, newspaper4k

Both extractors get the same bytes. trafilatura is given the page as text decoded by its own logic, with
metadata extraction on (title, author, date). Its date is a calendar day, so it is scored on the day only; ours is
scored on the full timestamp. Authors: trafilatura joins names with '; '.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from archiver import extract
from archiver.extraction.article import extract_article
from bench import aeb
from tests.corpus.gate import Case, load_cases, score


def ours(case: Case) -> dict[str, Any]:
    return extract(case.body, case.url, case.headers)


def ours_generic(case: Case) -> dict[str, Any]:
    return extract_article(case.body, case.url, case.headers)


def theirs(case: Case) -> dict[str, Any]:
    import trafilatura

    doc = trafilatura.bare_extraction(case.body, url=case.url, with_metadata=True, include_comments=False)
    if doc is None:
        return {}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    authors = [a.strip() for a in (data.get("author") or "").split(";") if a.strip()]
    expected_day = (case.expected.get("published_at") or "")[:10]
    date = data.get("date")
    return {
        "title": data.get("title"),
        # trafilatura gives a day; count it right when the day matches.
        "published_at": case.expected.get("published_at") if date and date == expected_day else date,
        "authors": authors,
        "body": "\n\n".join(p for p in (data.get("text") or "").split("\n") if p.strip()),
        "language": data.get("language"),
        "original_source": None,
    }


def timed_side_by_side(cases: list[Case], rounds: int) -> dict[str, list[float]]:
    """Median seconds per page for each extractor; the extractors alternate on every page of every round, so
    machine noise falls on all of them alike."""
    runs: dict[str, list[list[float]]] = {name: [[] for _ in cases] for name in EXTRACTORS}
    for _round in range(rounds):
        for index, case in enumerate(cases):
            for name, extractor in EXTRACTORS.items():
                start = time.perf_counter()
                extractor(case)
                runs[name][index].append(time.perf_counter() - start)
    return {name: [statistics.median(page) for page in pages] for name, pages in runs.items()}


EXTRACTORS = {"archiver.extract": ours, "archiver, no profiles": ours_generic, "trafilatura": theirs}


def peak_rss(name: str) -> float:
    """Peak RSS (MiB) of a fresh process that imports one extractor and runs it over the corpus. Read from the
    child's own VmHWM: ru_maxrss would inherit this (larger) parent's high-water mark across fork and exec."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.extraction", "--rss-of", name], capture_output=True, text=True, check=True
    )
    return int(out.stdout.split()[-1]) / 1024


def _own_peak_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def aeb_rss(folder: Path, name: str) -> float:
    out = subprocess.run(
        [sys.executable, "-m", "bench.extraction", "--aeb", str(folder), "--rss-of", name],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split()[-1]) / 1024


def aeb_main(folder: Path, rounds: int, rss_of: str | None) -> int:
    """Every extractor on every page, in an order that rotates from page to page; body P/R/F1 with the set's
    published metric from the first round, median ms/page over `rounds`, peak RSS of a fresh process each."""
    pages = aeb.load_pages(folder)
    names = list(aeb.EXTRACTORS)
    if rss_of:
        for page in pages:
            with contextlib.suppress(Exception):  # scored as an empty body in the main run; memory counts here
                aeb.EXTRACTORS[rss_of](page)
        print(_own_peak_kib())
        return 0
    for extractor in aeb.EXTRACTORS.values():  # warm imports and caches before timing
        extractor(pages[0])
    counts: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
    times: dict[str, list[list[float]]] = {name: [[] for _ in pages] for name in names}
    failures = dict.fromkeys(names, 0)
    for round_number in range(rounds):
        for index, page in enumerate(pages):
            shift = (index + round_number) % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter()
                try:
                    text = aeb.EXTRACTORS[name](page)
                except Exception:  # a peer that crashes on a page scores an empty body there
                    text = ""
                    failures[name] += round_number == 0
                times[name][index].append(time.perf_counter() - start)
                if round_number == 0:
                    counts[name].append(aeb.page_counts(text, page.truth))
    print(f"article-extraction-benchmark, {len(pages)} pages; median of {rounds} runs per page, order rotating")
    print(f"{'extractor':<28}{'precision':>10}{'recall':>8}{'F1':>7}{'ms/page':>9}{'peak RSS MiB':>14}")
    medians = {name: statistics.mean(statistics.median(t) for t in times[name]) for name in names}
    for name in names:
        precision, recall, f1 = aeb.prf(counts[name])
        memory = aeb_rss(folder, name)
        print(f"{name:<28}{precision:>10.3f}{recall:>8.3f}{f1:>7.3f}{medians[name] * 1000:>9.1f}{memory:>14.1f}")
    print(f"time ratio ours / trafilatura: {medians[names[0]] / medians['trafilatura']:.2f}")
    for name in names:
        if failures[name]:
            print(f"{name}: raised on {failures[name]} pages (scored as empty bodies)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--aeb", type=Path, help="article-extraction-benchmark folder (default $AEB_DIR)")
    parser.add_argument("--rss-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.aeb or (Path(os.environ["AEB_DIR"]) if os.environ.get("AEB_DIR") else None)
    if folder:
        return aeb_main(folder, args.rounds, args.rss_of)
    cases = load_cases()
    if args.rss_of:
        for case in cases:
            EXTRACTORS[args.rss_of](case)
        print(_own_peak_kib())
        return 0
    for extractor in EXTRACTORS.values():  # warm imports and caches before timing
        extractor(cases[0])
    times = timed_side_by_side(cases, args.rounds)
    results = {
        name: (statistics.median(times[name]), score(cases, extractor).as_dict(), peak_rss(name))
        for name, extractor in EXTRACTORS.items()
    }
    fields = list(next(iter(results.values()))[1])
    print(f"{len(cases)} corpus pages, median of {args.rounds} runs per page")
    print(f"{'extractor':<24}{'ms/page':>9}{'peak RSS MiB':>13}" + "".join(f"{f:>16}" for f in fields))
    for name, (median, scores, memory) in results.items():
        print(f"{name:<24}{median * 1000:>9.2f}{memory:>13.1f}" + "".join(f"{scores[f]:>16.3f}" for f in fields))
    ratio = results["archiver.extract"][0] / results["trafilatura"][0]
    print(f"time ratio archiver.extract / trafilatura: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
