"""archiver.extract vs trafilatura on the reviewed corpus: time per page and field accuracy, side by side.

    python -m bench.extraction [--rounds 5]      (needs the bench extra: pip install -e '.[bench]')

Both extractors get the same bytes. trafilatura is given the page as text decoded by its own logic, with
metadata extraction on (title, author, date). Its date is a calendar day, so it is scored on the day only; ours is
scored on the full timestamp. Authors: trafilatura joins names with '; '.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from archiver import extract
from tests.corpus.gate import Case, load_cases, score


def ours(case: Case) -> dict[str, Any]:
    return extract(case.body, case.url, case.headers)


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


def timed(extractor: Any, cases: list[Case], rounds: int) -> list[float]:
    per_page = []
    for case in cases:
        runs = []
        for _ in range(rounds):
            start = time.perf_counter()
            extractor(case)
            runs.append(time.perf_counter() - start)
        per_page.append(statistics.median(runs))
    return per_page


EXTRACTORS = {"archiver.extract": ours, "trafilatura": theirs}


def peak_rss(name: str) -> float:
    """Peak RSS (MiB) of a fresh process that imports one extractor and runs it over the corpus."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.extraction", "--rss-of", name])
    _pid, _status, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rss-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cases = load_cases()
    if args.rss_of:
        for case in cases:
            EXTRACTORS[args.rss_of](case)
        return 0
    for extractor in (ours, theirs):  # warm imports and caches before timing
        extractor(cases[0])
    results = {}
    for name, extractor in EXTRACTORS.items():
        times = timed(extractor, cases, args.rounds)
        results[name] = (statistics.median(times), score(cases, extractor).as_dict(), peak_rss(name))
    fields = list(next(iter(results.values()))[1])
    print(f"{len(cases)} corpus pages, median of {args.rounds} runs per page")
    print(f"{'extractor':<18}{'ms/page':>9}{'peak RSS MiB':>13}" + "".join(f"{f:>16}" for f in fields))
    for name, (median, scores, memory) in results.items():
        print(f"{name:<18}{median * 1000:>9.2f}{memory:>13.1f}" + "".join(f"{scores[f]:>16.3f}" for f in fields))
    ratio = results["archiver.extract"][0] / results["trafilatura"][0]
    print(f"time ratio archiver.extract / trafilatura: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
