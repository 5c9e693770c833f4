"""The SQLite backend's quick ways to its answers give the answers of plain SQL: relevance among filtered matches
is BM25 as FTS5 ranks them, the ranking window is the newest matches, date order pages through every match, the
in-memory filter columns are shared between readers yet follow every write, readers that open the index anew
sync once per interval, and the web server's sockets answer a kept-alive connection without Nagle's delay."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from archiver.catalog.db import Database
from archiver.search import SearchQuery, columns, open_search, sqlite_index
from archiver.search.documents import document
from archiver.search.sqlite_index import SqliteSearchIndex
from archiver.store import open_store
from archiver.web.server import bind

# Made-up words, each article holding them a different number of times, so that BM25 orders them in many ways.
AR_WORDS = ["مياه", "طرابلس", "بلدية", "مشروع", "الكهرباء", "مدرسة", "ميناء", "الطريق"]
EN_WORDS = ["water", "tripoli", "council", "project", "power", "school", "harbour", "road"]


def _article(n: int) -> dict[str, Any]:
    arabic = n % 2 == 0
    words = AR_WORDS if arabic else EN_WORDS
    # The first word in every article, 1 to 6 times; the others by turns, so lengths and counts vary.
    body = " ".join([words[0]] * (1 + n % 6) + [words[(n * k) % len(words)] for k in range(3, 3 + n % 11)])
    title = " ".join(words[(n + k) % len(words)] for k in range(1 + n % 3))
    digits = "٠١٢٣٤٥٦٧٨٩"
    return {
        "id": f"f{n:03d}",
        "url": f"http://site{n % 3}.test/{n}",
        "site": f"site{n % 3}",
        "language": "ar" if arabic else "en",
        "title": title + (f" رقم {''.join(digits[int(d)] for d in str(n))}" if arabic else f" number {n}"),
        "body": body,
        "published_at": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00+02:00",
        "authors": ["سالم" if arabic else "Hadi"],
        "section": "محليات" if n % 4 == 0 else "Economy",
    }


ARTICLES = [_article(n) for n in range(60)]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SqliteSearchIndex]:
    built = SqliteSearchIndex(Database(str(tmp_path / "search.sqlite")))
    built.add(
        document(a, f"articles/{a['site']}/{a['id']}/2024-12-31T000000Z.json", "2024-12-31T00:00:00Z") for a in ARTICLES
    )
    with built:
        yield built


def _urls(index: SqliteSearchIndex, **query: Any) -> list[str]:
    return [hit.url for hit in index.search(SearchQuery(**query)).results]


def _by_rank(index: SqliteSearchIndex, match: str, condition: str = "1 = 1", params: tuple[Any, ...] = ()) -> list[str]:
    """FTS5's own BM25 order over every match that meets `condition` (on the filter row `d`), ties newest first."""
    rows = index.db.query(
        "SELECT d.url FROM search_fts f JOIN search_docs d ON d.doc_id = f.rowid "
        f"WHERE search_fts MATCH ? AND {condition} ORDER BY f.rank, f.rowid DESC",
        (match, *params),
    )
    return [row[0] for row in rows]


def test_relevance_among_filtered_matches_is_fts5_bm25(index: SqliteSearchIndex) -> None:
    assert _urls(index, q="water", page_size=100) == _by_rank(index, '"water"')
    assert _urls(index, q="مياه", sites=("site1",), page_size=100) == _by_rank(
        index, '"مياه"', "d.site = ?", ("site1",)
    )
    assert len(_urls(index, q="مياه", sites=("site1",), page_size=100)) == 10  # not every match: a filter took some
    spring = _urls(index, q="water", date_from=date(2024, 3, 1), date_to=date(2024, 6, 30), page_size=100)
    assert spring and spring == _by_rank(index, '"water"', "d.day BETWEEN '2024-03-01' AND '2024-06-30'")
    assert _urls(index, q="مياه", language="ar", section="محليات", page_size=100) == _by_rank(
        index, '"مياه"', "d.language = 'ar' AND d.section_norm = 'محليات'"
    )
    assert _urls(index, q="council", author="hadi", page_size=100) == _by_rank(index, '"council"')
    assert _urls(index, q="council", author="سالم") == []
    pages = [_urls(index, q="water", page=n, page_size=7) for n in (1, 2, 3, 4, 5)]
    assert [url for page in pages for url in page] == _by_rank(index, '"water"')


def test_relevance_ranks_the_newest_matches_when_there_are_many(
    index: SqliteSearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_index, "RANKED", 8)
    newest = "f.rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT 8)"
    assert _urls(index, q="water", page_size=100) == _by_rank(index, '"water"', newest, ('"water"',))
    in_site = (
        "f.rowid IN (SELECT m.rowid FROM search_fts m JOIN search_docs s ON s.doc_id = m.rowid "
        "WHERE search_fts MATCH ? AND s.site = 'site0' ORDER BY m.rowid DESC LIMIT 8)"
    )
    assert _urls(index, q="مياه", sites=("site0",), page_size=100) == _by_rank(index, '"مياه"', in_site, ('"مياه"',))
    # The total and the facets still count every match.
    page = index.search(SearchQuery(q="water"))
    assert page.total == 30 and sum(page.facets["site"].values()) == 30


def test_date_order_pages_through_every_match(index: SqliteSearchIndex) -> None:
    full = [
        row[0]
        for row in index.db.query(
            "SELECT url FROM search_docs WHERE site = 'site2' ORDER BY sort_time DESC, article_id"
        )
    ]
    pages = [_urls(index, q="", sites=("site2",), sort="date", page=n, page_size=6) for n in range(1, 6)]
    assert [url for page in pages for url in page] == full and len(full) == 20
    assert pages[-1] == []


def test_readers_share_the_columns_and_see_every_write(index: SqliteSearchIndex, tmp_path: Path) -> None:
    index.search(SearchQuery(q="مياه"))
    loaded = columns._CACHE[str((tmp_path / "search.sqlite").resolve())]
    with SqliteSearchIndex(Database(str(tmp_path / "search.sqlite"))) as another:  # as the web app opens it
        assert another.search(SearchQuery(q="مياه")).total == 30
        assert columns._CACHE[str((tmp_path / "search.sqlite").resolve())] is loaded  # not loaded again
        extra = {**_article(60), "id": "late", "url": "http://site0.test/late", "site": "site9"}
        extra["published_at"] = "2025-01-01T09:00:00+02:00"
        another.add([document(extra, "articles/site9/late/2025-01-01T000000Z.json", "2025-01-01T00:00:00Z")])
    page = index.search(SearchQuery(q="مياه", sites=("site9",)))  # written by another connection: seen at once
    assert page.total == 1 and page.results[0].url == "http://site0.test/late"
    assert index.search(SearchQuery(q="", sort="date")).results[0].url == "http://site0.test/late"


def test_the_web_servers_sockets_send_without_delay() -> None:
    sock = bind("127.0.0.1", 0)
    try:
        # asyncio turns Nagle's algorithm off only on sockets that say they are TCP; the option is inherited too.
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


def test_refresh_syncs_once_per_interval_across_the_readers_of_an_index(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "archive"))
    store.check_writable()
    with open_search(store) as first:
        assert first.refresh() == 0 and first.db.one("SELECT value FROM search_meta WHERE name = 'catalog_mark'")
        first.db.execute("DELETE FROM search_meta WHERE name = 'catalog_mark'")
    with open_search(store) as second:  # the next request of the web app: a new reader, synced a moment ago
        second.refresh()
        assert second.db.one("SELECT value FROM search_meta WHERE name = 'catalog_mark'") is None
        second.refresh(min_interval=0)
        assert second.db.one("SELECT value FROM search_meta WHERE name = 'catalog_mark'") is not None
