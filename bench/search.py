"""Search index build rate, memory and query latency at 100,000 articles, beside a naive `LIKE` scan.

    python -m bench.search [--articles 100000] [--queries 300] [--like-queries 20] [--dir DIR]

Articles are generated (half Arabic, half English, 20 sites, 36 months): bodies of 8 sentences whose words are drawn
with a Zipf distribution from the fixture web's news vocabulary plus 20,000 made-up words per language, with
hamza, taa marbuta and alef maqsura spellings. The index is built with the library's own `add()` in a child process
(its peak RSS is the build's memory). Queries go through `SearchIndex.search()`, as the web app and `archiver
search` call it: matching, total, facets per site and month, one page of 20 hits and their snippets. The
baseline answers the same questions with `LIKE '%word%'` over the raw text (no normalisation: it is the scan a
reader without an index would run), also with total, facets and a page.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import random
import re
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from archiver.catalog.db import Database
from archiver.search.documents import document
from archiver.search.query import SearchQuery
from archiver.search.sqlite_index import SqliteSearchIndex
from tests.fixtureweb.text import CITIES_AR, CITIES_EN, TOPICS_AR, TOPICS_EN

SITES = 20
MONTHS = 36
SYNTHETIC = 20_000
AR_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def _vocabulary(rng: random.Random, english: bool) -> list[str]:
    topics = TOPICS_EN if english else TOPICS_AR
    cities = CITIES_EN if english else CITIES_AR
    text = " ".join(title + " " + " ".join(lines) for title, lines in topics.values()) + " " + " ".join(cities)
    real = list(dict.fromkeys(re.findall(r"[^\W\d_]+", text.replace("{city}", ""))))
    rng.shuffle(real)
    made: list[str] = []
    for _ in range(SYNTHETIC):
        if english:
            made.append("".join(rng.choice("abcdefghijklmnoprstuvwy") for _ in range(rng.randint(4, 9))))
        else:
            word = "".join(rng.choice(AR_LETTERS) for _ in range(rng.randint(3, 6)))
            word = rng.choice(["", "", "أ", "إ", "ال"]) + word + rng.choice(["", "", "ة", "ى", "ات"])
            made.append(word)
    return real + made  # the real words are the most frequent, as in news text


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocab = {lang: _vocabulary(self.rng, lang == "en") for lang in ("ar", "en")}
        weights = [1 / (rank + 1) for rank in range(len(self.vocab["ar"]))]
        self.cum = {lang: list(itertools.accumulate(weights[: len(words)])) for lang, words in self.vocab.items()}

    def words(self, lang: str, count: int) -> list[str]:
        return self.rng.choices(self.vocab[lang], cum_weights=self.cum[lang], k=count)

    def article(self, n: int) -> dict[str, Any]:
        rng = self.rng
        lang = "ar" if n % 2 == 0 else "en"
        site = f"site{n % SITES:02d}"
        month = n % MONTHS
        day = date(2023 + month // 12, month % 12 + 1, rng.randint(1, 28))
        sentences = [" ".join(self.words(lang, rng.randint(12, 20))) + "." for _ in range(8)]
        paragraphs = [" ".join(sentences[i : i + 2]) for i in range(0, 8, 2)]
        return {
            "id": f"a{n:07d}",
            "url": f"https://{site}.example.ly/news/{n}",
            "site": site,
            "language": lang,
            "title": " ".join(self.words(lang, rng.randint(5, 9))),
            "body": "\n\n".join(paragraphs),
            "published_at": f"{day.isoformat()}T{rng.randint(0, 23):02d}:00:00+02:00",
            "authors": [" ".join(self.words(lang, 2))],
            "section": rng.choice(["politics", "economy", "local"]) if lang == "en" else "محليات",
        }


def articles(count: int, seed: int) -> Iterator[dict[str, Any]]:
    gen = Generator(seed)
    for n in range(count):
        yield gen.article(n)


def _build(path: str, count: int, seed: int, out: Any) -> None:
    started = time.perf_counter()
    index = SqliteSearchIndex(Database(path))
    docs = (
        document(a, f"articles/{a['site']}/{a['id']}/x.json", a["published_at"][:10] + "T00:00:00Z")
        for a in articles(count, seed)
    )
    index.add(docs)
    index.db.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    index.close()
    out.send(time.perf_counter() - started)


def _build_naive(path: str, count: int, seed: int) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE naive (article_id TEXT, site TEXT, month TEXT, sort_time TEXT, title TEXT, body TEXT)")
    rows = (
        (a["id"], a["site"], a["published_at"][:7], a["published_at"], a["title"], a["body"])
        for a in articles(count, seed)
    )
    db.executemany("INSERT INTO naive VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def _queries(count: int, seed: int, bodies: dict[str, list[str]]) -> list[SearchQuery]:
    """A mix: frequent, middling and rare words, two words, phrases (two adjacent words of an indexed body),
    hamza-less spellings, filters, date order."""
    gen = Generator(seed)
    rng = random.Random(seed + 1)
    out: list[SearchQuery] = []
    for n in range(count):
        lang = "ar" if n % 2 == 0 else "en"
        vocab = gen.vocab[lang]
        kind = n % 8
        body = rng.choice(bodies[lang]).split()
        if kind == 0:
            q = vocab[rng.randrange(0, 20)]  # one of the commonest words
        elif kind == 1:
            q = vocab[rng.randrange(200, 2000)]
        elif kind == 2:
            q = vocab[rng.randrange(5000, len(vocab))]  # rare
        elif kind == 3:
            q = f"{vocab[rng.randrange(0, 300)]} {vocab[rng.randrange(300, 3000)]}"
        elif kind == 4:
            at = rng.randrange(len(body) - 2)
            q = '"' + " ".join(w.strip(".") for w in body[at : at + 2]) + '"'
        elif kind == 5:
            q = vocab[rng.randrange(0, 500)].replace("أ", "ا").replace("إ", "ا").replace("ة", "ه")
        elif kind == 6:
            out.append(
                SearchQuery(
                    q=vocab[rng.randrange(0, 1000)],
                    sites=(f"site{rng.randrange(SITES):02d}",),
                    date_from=date(2024, 1, 1),
                    date_to=date(2024, 12, 31),
                )
            )
            continue
        else:
            out.append(SearchQuery(q=vocab[rng.randrange(0, 1000)], sort="date"))
            continue
        out.append(SearchQuery(q=q))
    return out


def _naive(db: sqlite3.Connection, query: SearchQuery) -> int:
    terms = [t.strip('"') for t in re.findall(r'"[^"]+"|\S+', query.q)]
    where = " AND ".join("(title LIKE ? OR body LIKE ?)" for _ in terms)
    params: list[Any] = [p for t in terms for p in (f"%{t}%", f"%{t}%")]
    if query.sites:
        where += " AND site = ?"
        params.append(query.sites[0])
    total = sum(
        n
        for _s, _m, n in db.execute(
            f"SELECT site, month, COUNT(*) FROM naive WHERE {where} GROUP BY site, month", params
        )
    )
    order = "sort_time DESC"
    db.execute(f"SELECT article_id, title, body FROM naive WHERE {where} ORDER BY {order} LIMIT 20", params).fetchall()
    return total


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--like-queries", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--dir", help="where the databases go (default: a temporary directory)")
    args = parser.parse_args()
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="bench-search-"))
    path = str(workdir / "search.sqlite")
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_build, args=(path, args.articles, args.seed, send))
    child.start()
    seconds = receive.recv()
    child.join()
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size_mib = sum(p.stat().st_size for p in workdir.glob("search.sqlite*")) / 2**20

    index = SqliteSearchIndex(Database(path))
    bodies: dict[str, list[str]] = {"ar": [], "en": []}
    for body, language in index.db.query(
        "SELECT b.body, d.language FROM search_body b JOIN search_docs d ON d.doc_id = b.doc_id "
        "WHERE b.doc_id % 997 = 0"
    ):
        bodies[language].append(body)
    queries = _queries(args.queries, args.seed, bodies)
    for query in queries[:10]:
        index.search(query)  # warm the page cache, as a running server's would be
    timings: dict[int, list[float]] = {}
    totals: list[int] = []
    for n, query in enumerate(queries):
        started = time.perf_counter()
        page = index.search(query)
        timings.setdefault(n % 8, []).append((time.perf_counter() - started) * 1000)
        totals.append(page.total)
    every = [t for values in timings.values() for t in values]
    index.close()

    naive_path = str(workdir / "naive.sqlite")
    _build_naive(naive_path, args.articles, args.seed)
    db = sqlite3.connect(naive_path)
    naive_times = []
    for query in queries[: args.like_queries]:
        started = time.perf_counter()
        _naive(db, query)
        naive_times.append((time.perf_counter() - started) * 1000)
    db.close()

    kinds = [
        "common word",
        "middling word",
        "rare word",
        "two words",
        "phrase",
        "plain-alef spelling",
        "word + site + year",
        "word, date order",
    ]
    report = {
        "articles": args.articles,
        "build_seconds": round(seconds, 1),
        "build_articles_per_second": round(args.articles / seconds),
        "build_peak_rss_mib": round(peak_mib, 1),
        "index_size_mib": round(size_mib, 1),
        "queries": len(every),
        "p50_ms": round(statistics.median(every), 2),
        "p95_ms": round(_pct(every, 0.95), 2),
        "by_kind": {
            kinds[k]: {"p50_ms": round(statistics.median(v), 2), "p95_ms": round(_pct(v, 0.95), 2)}
            for k, v in sorted(timings.items())
        },
        "median_total_hits": statistics.median(totals),
        "like_queries": len(naive_times),
        "like_p50_ms": round(statistics.median(naive_times), 1),
        "like_p95_ms": round(_pct(naive_times, 0.95), 1),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
