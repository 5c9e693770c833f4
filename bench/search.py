"""Search index build rate, memory and query latency at 100,000 articles, beside a naive `LIKE` scan.

    python -m bench.search [--articles 100000] [--queries 400] [--extra-queries 100] [--runs 3]
                           [--like-queries 20] [--dir DIR [--reuse]] [--no-http]

Articles are generated (half Arabic, half English, 20 sites, 36 months): bodies of 8 sentences whose words are drawn
with a Zipf distribution from the fixture web's news vocabulary plus 20,000 made-up words per language, with
hamza, taa marbuta and alef maqsura spellings. The index is built with the library's own `add()` in a child process
(its peak RSS is the build's memory). Queries go through `SearchIndex.search()`, as the web app and `archiver
search` call it: matching, total, facets per site and month, one page of 20 hits and their snippets; and over
HTTP, as `GET /api/search` of the web app (`create_app`, served by uvicorn in a child process) answers them, over a
store whose catalog lists one capture per article (so the sync the web app runs every 30 seconds reads a catalog
of the archive's size; the runs over HTTP last minutes, so those syncs are among the timed requests).
Each query is timed in each of `--runs` rounds and its median taken; p50/p95 are over those medians. The
baseline answers the same questions with `LIKE '%word%'` over the raw text (no normalisation: it is the scan a
reader without an index would run), also with total, facets and a page.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import multiprocessing
import random
import re
import resource
import socket
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

from archiver.catalog.db import Database
from archiver.search.columns import Columns
from archiver.search.documents import document
from archiver.search.open import search_path
from archiver.search.query import SearchQuery
from archiver.search.sqlite_index import SqliteSearchIndex
from archiver.store.layout import article_key
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


def _key(a: dict[str, Any]) -> tuple[str, str]:
    """(article key, capture time) of a generated article: captured at midnight UTC of its publication day."""
    moment = datetime.fromisoformat(a["published_at"][:10]).replace(tzinfo=UTC)
    return article_key(a["site"], a["id"], moment), moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _build(path: str, count: int, seed: int, out: Any) -> None:
    # Forked before the catalog and the web app are imported: the child's peak RSS is the build's.
    started = time.perf_counter()
    index = SqliteSearchIndex(Database(path))
    docs = (document(a, *_key(a)) for a in articles(count, seed))
    index.add(docs)
    index.db.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    index.close()
    out.send(time.perf_counter() - started)


def _build_catalog(store: Path, count: int, seed: int) -> Path:
    """The store's catalog with one article capture per generated article (what `archiver crawl` would have
    recorded), so that the web app's search finds its index up to date and its per-request sync reads a catalog
    of the archive's size. Returns the path the search index must have beside it."""
    from archiver.catalog.catalog import Catalog
    from archiver.store import open_store

    catalog = Catalog.open(open_store(str(store)))
    rows = (
        (
            f"<urn:uuid:bench-{a['id']}>",
            a["url"],
            a["url"],
            captured_at,
            200,
            "response",
            "text/html",
            f"warc/{a['site']}.warc.gz",
            0,
            1000,
            a["site"],
            a["id"],
            key,
        )
        for a in articles(count, seed)
        for key, captured_at in [_key(a)]
    )
    with catalog.db.transaction():
        catalog.db.executemany(
            "INSERT INTO captures (record_id, urlkey, url, captured_at, status, record_type, mime, warc_file, "
            "record_offset, record_length, site, article_id, article_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    assert catalog.db.path is not None
    path = search_path(catalog.db.path)
    catalog.close()
    return path


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


def _extra_queries(count: int, seed: int) -> list[SearchQuery]:
    """Filters with relevance and whole-archive facets: a common word in one language over half a year, and no
    words at all with a site filter (the site's articles newest first, with their counts per month)."""
    gen = Generator(seed)
    rng = random.Random(seed + 2)
    out: list[SearchQuery] = []
    for n in range(count):
        lang = "ar" if n % 4 < 2 else "en"
        if n % 2 == 0:
            half = rng.randrange(6)
            start = date(2023 + half // 2, 1 + 6 * (half % 2), 1)
            end = date(start.year, start.month + 5, 30)
            word = gen.vocab[lang][rng.randrange(0, 300)]
            out.append(SearchQuery(q=word, language=lang, date_from=start, date_to=end))
        else:
            out.append(SearchQuery(q="", sites=(f"site{rng.randrange(SITES):02d}",), sort="date"))
    return out


def _params(query: SearchQuery) -> str:
    pairs: list[tuple[str, str]] = [("q", query.q)]
    pairs += [("site", site) for site in query.sites]
    if query.date_from:
        pairs.append(("from", query.date_from.isoformat()))
    if query.date_to:
        pairs.append(("to", query.date_to.isoformat()))
    if query.language:
        pairs.append(("language", query.language))
    pairs.append(("sort", query.sort))
    return urlencode(pairs)


def _serve(store: str, sock: socket.socket) -> None:
    import uvicorn

    from archiver.web.app import WebConfig, create_app

    app = create_app(WebConfig(store=store, rate_per_minute=10**9))
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off")).run(sockets=[sock])


def _rounds(
    queries: list[SearchQuery], runs: int, ask: Callable[[SearchQuery], int]
) -> tuple[list[float], list[float], list[int]]:
    """Each query's median wall time and median CPU time of this process (ms) over `runs` rounds, and its total.
    On a machine shared with other work the CPU time moves less than the wall time."""
    for query in queries[:10]:
        ask(query)  # warm the page cache and the columns, as a running server's would be
    wall: list[list[float]] = [[] for _ in queries]
    cpu: list[list[float]] = [[] for _ in queries]
    totals = [0 for _ in queries]
    for _ in range(runs):
        for n, query in enumerate(queries):
            started, used = time.perf_counter(), time.process_time()
            totals[n] = ask(query)
            wall[n].append((time.perf_counter() - started) * 1000)
            cpu[n].append((time.process_time() - used) * 1000)
    return [statistics.median(t) for t in wall], [statistics.median(t) for t in cpu], totals


def _summary(times: list[float], kinds: list[str]) -> dict[str, Any]:
    by_kind: dict[str, list[float]] = {}
    for kind, value in zip(kinds, times, strict=True):
        by_kind.setdefault(kind, []).append(value)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_pct(times, 0.95), 2),
        "by_kind": {
            k: {"p50_ms": round(statistics.median(v), 2), "p95_ms": round(_pct(v, 0.95), 2), "queries": len(v)}
            for k, v in by_kind.items()
        },
    }


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


KINDS = [
    "common word",
    "middling word",
    "rare word",
    "two words",
    "phrase",
    "plain-alef spelling",
    "word + site + year",
    "word, date order",
]
EXTRA_KINDS = ["common word + language + half year", "no words, one site (facets of the site)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400, help="of the first eight kinds (a multiple of 8)")
    parser.add_argument("--extra-queries", type=int, default=100, help="of the two filter/facet kinds")
    parser.add_argument("--runs", type=int, default=3, help="rounds over the queries; each query's median counts")
    parser.add_argument("--like-queries", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--dir", help="where the store and databases go (default: a temporary directory)")
    parser.add_argument("--reuse", action="store_true", help="use the index --dir holds from an earlier run")
    parser.add_argument("--no-http", action="store_true", help="skip the measurement over HTTP")
    args = parser.parse_args()
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="bench-search-"))
    store = workdir / "store"
    built = workdir / "build.json"
    naive_path = str(workdir / "naive.sqlite")
    same = {"articles": args.articles, "seed": args.seed}
    if args.reuse and built.exists() and json.loads(built.read_text())["input"] == same:
        build = json.loads(built.read_text())
        path = build["path"]
    else:
        store.mkdir(parents=True, exist_ok=True)
        path = str(search_path(store / ".catalog" / "catalog.sqlite"))  # where `archiver serve` looks for it
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_build, args=(path, args.articles, args.seed, send))
        child.start()
        seconds = receive.recv()
        child.join()
        build = {
            "input": same,
            "path": path,
            "build_seconds": round(seconds, 1),
            "build_articles_per_second": round(args.articles / seconds),
            "build_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            "index_size_mib": round(
                sum(p.stat().st_size for p in Path(path).parent.glob("*.search.sqlite*")) / 2**20, 1
            ),
        }
        assert str(_build_catalog(store, args.articles, args.seed)) == path, "ARCHIVER_CATALOG is set: unset it"
        _build_naive(naive_path, args.articles, args.seed)
        built.write_text(json.dumps(build))

    index = SqliteSearchIndex(Database(path))
    started = time.perf_counter()
    loaded = Columns.load(index.db, "bench")  # what the first search after any write to the index pays
    columns_seconds = time.perf_counter() - started
    columns_mib = sum(a.nbytes for a in vars(loaded).values() if isinstance(a, np.ndarray)) / 2**20
    bodies: dict[str, list[str]] = {"ar": [], "en": []}
    for body, language in index.db.query(
        "SELECT b.body, d.language FROM search_body b JOIN search_docs d ON d.doc_id = b.doc_id "
        "WHERE b.doc_id % 997 = 0"
    ):
        bodies[language].append(body)
    queries = _queries(args.queries, args.seed, bodies) + _extra_queries(args.extra_queries, args.seed)
    kinds = [KINDS[n % 8] for n in range(args.queries)] + [EXTRA_KINDS[n % 2] for n in range(args.extra_queries)]
    in_process, in_process_cpu, totals = _rounds(queries, args.runs, lambda q: index.search(q).total)
    index.close()

    over_http: list[float] = []
    if not args.no_http:
        from archiver.web.server import bind

        sock = bind("127.0.0.1", 0)  # as `archiver serve` binds its port
        port = sock.getsockname()[1]
        server = multiprocessing.get_context("fork").Process(target=_serve, args=(str(store), sock), daemon=True)
        server.start()
        sock.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

        def ask(query: SearchQuery) -> int:
            connection.request("GET", "/api/search?" + _params(query))
            answer = connection.getresponse()
            body = json.loads(answer.read())
            assert answer.status == 200, body
            return int(body["total"])

        try:
            over_http, _client_cpu, http_totals = _rounds(queries, args.runs, ask)
            assert http_totals == totals, "the API and the library disagree"
        finally:
            connection.close()
            server.terminate()
            server.join()

    db = sqlite3.connect(naive_path)
    naive_times = []
    for query in queries[: args.like_queries]:
        started = time.perf_counter()
        _naive(db, query)
        naive_times.append((time.perf_counter() - started) * 1000)
    db.close()

    report = {
        "articles": args.articles,
        **{k: v for k, v in build.items() if k not in ("input", "path")},
        "queries": len(queries),
        "runs": args.runs,
        "median_total_hits": statistics.median(totals),
        "columns_load_ms": round(columns_seconds * 1000, 1),
        "columns_mib": round(columns_mib, 1),
        "in_process": _summary(in_process, kinds),
        "first_eight_kinds_in_process": _summary(in_process[: args.queries], kinds[: args.queries]),
        "in_process_cpu": _summary(in_process_cpu, kinds),
        "like_queries": len(naive_times),
        "like_p50_ms": round(statistics.median(naive_times), 1),
        "like_p95_ms": round(_pct(naive_times, 0.95), 1),
    }
    if over_http:
        report["http"] = _summary(over_http, kinds)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
