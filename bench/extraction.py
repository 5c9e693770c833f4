"""archiver.extract vs trafilatura on the reviewed corpus: time per page and field accuracy, side by side.

    python -m bench.extraction [--rounds 5]      (needs the bench extra: pip install -e '.[bench]')

Both extractors get the same bytes. trafilatura is given the page as text decoded by its own logic, with
metadata extraction on (title, author, date). Its date is a calendar day, so it is scored on the day only; ours is
scored on the full timestamp. Authors: trafilatura joins names with '; '.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from archiver import extract
from archiver.extraction.article import extract_article
from tests.corpus.gate import Case, load_cases, score


def ours(case: Case) -> dict[str, Any]:
    return extract(case.body, case.url, case.headers)


def ours_generic(case: Case) -> dict[str, Any]:
    return extract_article(case.body, case.url, case.headers, use_profiles=False)


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rss-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
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
