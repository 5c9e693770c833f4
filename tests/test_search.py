"""Search: Arabic matching form, phrases, filters, facets and snippets on both backends; the index kept by crawls
and rebuilt by `archiver reindex`; the `archiver search` command."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from archiver.catalog.db import Database
from archiver.search import SearchIndex, SearchQuery
from archiver.search.documents import document
from archiver.search.normalize import normalize
from archiver.search.pg_index import PostgresSearchIndex
from archiver.search.sqlite_index import SqliteSearchIndex
from tests.conftest import CrawledArchive, archiver

NORMALISATION = [
    ("أحمد", "احمد"),  # hamza above
    ("إسلام", "اسلام"),  # hamza below
    ("آمال", "امال"),  # madda
    ("ٱلله", "الله"),  # wasla
    ("مؤتمر", "موتمر"),  # waw with hamza
    ("رئيس", "رييس"),  # yeh with hamza
    ("مستشفى", "مستشفي"),  # alef maqsura
    ("مدرسة", "مدرسه"),  # taa marbuta
    ("كَتَبَ", "كتب"),  # harakat
    ("مُحَمَّدٌ", "محمد"),  # shadda, tanween
    ("عـــربية", "عربيه"),  # tatweel
    ("الانتخابات", "انتخابات"),  # the definite article
    ("للانتخابات والمجلس", "انتخابات مجلس"),  # after a preposition or conjunction
    ("وزير بلدية الله", "وزير بلديه الله"),  # nothing else is cut, and no word shorter than three letters left
    ("٢٠٢٤", "2024"),  # Eastern Arabic digits
    ("۱۹۶۹", "1969"),  # Persian digits
    ("ﻻ", "لا"),  # presentation-form ligature
    ("Tripoli", "tripoli"),
]


@pytest.mark.parametrize(("written", "matching"), NORMALISATION)
def test_arabic_normalisation_table(written: str, matching: str) -> None:
    assert normalize(written) == matching


ARTICLES = [
    {
        "id": "a1",
        "url": "http://alwasat.test/1",
        "site": "alwasat",
        "language": "ar",
        "title": "أعلنت المفوضية نتائج الانتخابات",
        "body": "قالت المفوضيّة العليا إنّ النتائج ستُعلن يوم ٢٠ مايو.\n\nوأضاف المجلس الرئاسي أن الإقبال كان كبيراً.",
        "published_at": "2024-05-03T10:00:00+02:00",
        "authors": ["أحمد علي"],
        "section": "سياسة",
    },
    {
        "id": "a2",
        "url": "http://observer.test/2",
        "site": "observer",
        "language": "en",
        "title": "Election results announced",
        "body": "The electoral commission announced the results of the elections in Tripoli on Monday.",
        "published_at": "2024-06-01T10:00:00+02:00",
        "authors": ["John Smith"],
        "section": "Politics",
    },
    {
        "id": "a3",
        "url": "http://observer.test/3",
        "site": "observer",
        "language": "en",
        "title": "<img src=x onerror=alert(1)> Water works announced",
        "body": "Tripoli's water company said the commission of the new pipes ends in June. Results soon.",
        "published_at": "2024-06-20T09:00:00+02:00",
        "authors": ["Mona Ali"],
        "section": "Local",
    },
]


def _fill(index: SearchIndex) -> SearchIndex:
    index.add(
        document(a, f"articles/{a['site']}/{a['id']}/2024-07-01T000000Z.json", "2024-07-01T00:00:00Z") for a in ARTICLES
    )
    return index


@pytest.fixture(params=["sqlite", "postgresql"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    if request.param == "sqlite":
        built: SearchIndex = SqliteSearchIndex(Database(str(tmp_path / "search.sqlite")))
    else:
        url = request.getfixturevalue("postgres_catalog")
        built = PostgresSearchIndex(Database(url))
    with _fill(built) as ready:
        yield ready


def _ids(index: SearchIndex, **query: object) -> list[str]:
    return [hit.url.rsplit("/", 1)[-1] for hit in index.search(SearchQuery(**query)).results]  # type: ignore[arg-type]


def test_plain_alef_finds_hamza(index: SearchIndex) -> None:
    assert _ids(index, q="اعلنت") == ["1"]  # written أعلنت
    assert _ids(index, q="الرياسي") == ["1"]  # written الرئاسي
    assert _ids(index, q="المفوضيه") == ["1"]  # written المفوضيّة (shadda, taa marbuta)
    assert _ids(index, q="٢٠") == ["1"] and _ids(index, q="20") == ["1"]
    assert _ids(index, q="انتخابات") == ["1"]  # written الانتخابات
    assert _ids(index, q="والمفوضية") == ["1"]


def test_english_stemming(index: SearchIndex) -> None:
    assert _ids(index, q="elections") == ["2"]
    assert sorted(_ids(index, q="announce")) == ["2", "3"]


def test_phrases(index: SearchIndex) -> None:
    assert _ids(index, q='"المجلس الرئاسي"') == ["1"]
    assert _ids(index, q='"الرئاسي المجلس"') == []  # order matters in a phrase
    assert _ids(index, q="«المجلس الرياسي»") == ["1"]
    assert _ids(index, q='"results announced"') == ["2"]
    assert sorted(_ids(index, q="results commission")) == ["2", "3"]
    assert _ids(index, q='"commission announced"') == ["2"]
    assert _ids(index, q="commission -pipes") == ["2"]
    assert _ids(index, q="-pipes") == []


def test_filters_and_sort(index: SearchIndex) -> None:
    assert _ids(index, q="", sort="date") == ["3", "2", "1"]
    assert sorted(_ids(index, q="", sites=("observer",))) == ["2", "3"]
    assert _ids(index, q="", language="ar") == ["1"]
    assert _ids(index, q="", date_from=date(2024, 6, 1), date_to=date(2024, 6, 1)) == ["2"]
    assert _ids(index, q="", section="سياسه") == ["1"]  # the section as published, in matching form
    assert _ids(index, q="", author="احمد") == ["1"]
    assert _ids(index, q="", author="100%") == []
    assert _ids(index, q="results", sort="date") == ["3", "2"]
    assert _ids(index, q="", sort="date", page=2, page_size=2) == ["1"]


def test_facets(index: SearchIndex) -> None:
    page = index.search(SearchQuery(q="tripoli"))
    assert page.total == 2
    assert page.facets == {"site": {"observer": 2}, "month": {"2024-06": 2}}
    everything = index.search(SearchQuery(q="", page_size=1))
    assert everything.total == 3 and len(everything.results) == 1
    assert everything.facets == {"site": {"alwasat": 1, "observer": 2}, "month": {"2024-05": 1, "2024-06": 2}}


def test_snippets_are_archived_text_with_offsets(index: SearchIndex) -> None:
    (hit,) = index.search(SearchQuery(q="الرياسي اعلنت")).results
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["الرئاسي"]  # as archived, hamza and all
    assert [hit.title[a:b] for a, b in hit.title_highlights] == ["أعلنت"]
    (xss,) = index.search(SearchQuery(q="pipes")).results
    assert xss.title.startswith("<img src=x")  # text as archived: escaping is the web app's job
    assert [xss.snippet[a:b] for a, b in xss.highlights] == ["pipes"]
    assert "<mark>" not in xss.snippet


def test_a_new_version_replaces_the_old(index: SearchIndex) -> None:
    edited = {**ARTICLES[1], "title": "Election results withdrawn"}
    index.add([document(edited, "articles/observer/a2/2024-08-01T000000Z.json", "2024-08-01T00:00:00Z")])
    assert _ids(index, q="withdrawn") == ["2"]
    assert index.search(SearchQuery(q="")).total == 3


# -- the index of a real archive ----------------------------------------------------------------------------------


def _stored_articles(store: Path) -> set[str]:
    return {p.parent.name for p in (store / "articles").rglob("*.json")}


def test_a_crawl_lands_its_articles_in_the_index(crawled: CrawledArchive) -> None:
    path = crawled.store / ".catalog" / "catalog.search.sqlite"
    with sqlite3.connect(path) as db:  # read as the crawl left it: no sync by the reader
        indexed = {row[0] for row in db.execute("SELECT article_id FROM search_docs")}
    assert indexed and indexed == _stored_articles(crawled.store)


def test_search_command_finds_hamza_with_plain_alef(crawled: CrawledArchive) -> None:
    run = archiver("search", "اعلنت بلدية", f"--store={crawled.store}", "--format=json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["total"] >= 1 and set(answer) == {"total", "results", "facets"}
    first = answer["results"][0]
    assert {"url", "site", "title", "published_at", "snippet", "article_key"} <= set(first)
    assert "أعلنت" in [first["snippet"][a:b] for a, b in first["highlights"]]
    assert sum(answer["facets"]["site"].values()) == answer["total"]
    text = archiver("search", "اعلنت", f"--store={crawled.store}", "--page-size=1")
    assert text.returncode == 0 and "⟦أعلنت⟧" in text.stdout and "by month:" in text.stdout


def test_search_command_bad_input(crawled: CrawledArchive, tmp_path: Path) -> None:
    bad_date = archiver("search", "x", f"--store={crawled.store}", "--from=yesterday")
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    missing = archiver("search", "x", f"--store={tmp_path / 'nowhere'}")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1


def test_reindex_rebuilds_the_index(crawled: CrawledArchive, tmp_path: Path) -> None:
    store = tmp_path / "archive"
    shutil.copytree(crawled.store, store, ignore=shutil.ignore_patterns(".catalog"))
    index_file = store / ".catalog" / "catalog.search.sqlite"
    index_file.parent.mkdir()
    index_file.write_bytes(b"not a database at all" * 100)
    run = archiver("reindex", f"--store={store}")
    assert run.returncode == 0, run.stderr
    assert "search index was set aside" in run.stderr and "search index rebuilt" in run.stdout
    assert list(index_file.parent.glob("catalog.search.sqlite.damaged-*"))
    with sqlite3.connect(index_file) as db:
        indexed = {row[0] for row in db.execute("SELECT article_id FROM search_docs")}
    assert indexed == _stored_articles(store)


def test_postgresql_mode_follows_the_store(crawled: CrawledArchive, postgres_catalog: str) -> None:
    run = archiver("search", "اعلنت", f"--store={crawled.store}", f"--catalog={postgres_catalog}", "--format=json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["total"] >= 1
    with Database(postgres_catalog) as db:
        assert db.one("SELECT COUNT(*) FROM search_docs") == (len(_stored_articles(crawled.store)),)
