"""Exports select and cluster from the catalog's article version descriptions and read each selected article JSON
once: a version the catalog describes is filtered without being read and not signed again; the rows are the same
bytes with a cold catalog, a warm one and a PostgreSQL one; a crawl describes what it stored; a catalog of schema 1
is migrated."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import BinaryIO

from archiver.catalog.catalog import SCHEMA_VERSION, Catalog
from archiver.catalog.db import Database
from archiver.catalog.versions import TABLE
from archiver.datasets.export import export
from archiver.datasets.near_duplicates import FEATURES
from archiver.datasets.selection import ExportFilter
from archiver.store.layout import is_article_key
from archiver.store.local import LocalStore
from tests.conftest import archiver, crawl_args
from tests.fixtureweb.server import FixtureWeb
from tests.fixtureweb.text import article_text


class CountingStore(LocalStore):
    """A real local store that counts how often each object is opened."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.opened: Counter[str] = Counter()

    def open(self, key: str) -> BinaryIO:
        self.opened[key] += 1
        return super().open(key)

    def article_reads(self) -> Counter[str]:
        return Counter({key: n for key, n in self.opened.items() if is_article_key(key)})


STOCK = "تأسست الصحيفة عام ٢٠١١ في طرابلس، وهي تغطي أخبار ليبيا والمنطقة على مدار الساعة وتنشر بالعربية والإنجليزية."


def _put(store: LocalStore, site: str, ident: str, fetched: str, article: dict[str, object]) -> str:
    key = f"articles/{site}/{ident}/{fetched.replace(':', '').replace('-', '')}.json"
    record = {
        "schema_version": 1,
        "id": ident,
        "url": f"https://{site}.ly/{ident}",
        "site": site,
        "authors": [],
        "capture": {"fetched_at": fetched, "warc_file": f"warc/{site}/2024/05/01/c1-00000.warc.gz"},
        **article,
    }
    store.put_bytes(key, json.dumps(record, ensure_ascii=False).encode(), content_type="application/json")
    return key


def _archive(root: Path) -> tuple[CountingStore, dict[str, list[str]]]:
    """Arabic and English articles: a story and its repost, a second version of one article, and an outlet whose
    articles all end with the same stock paragraph. Returns the store and its keys by language."""
    store = CountingStore(root)
    keys: dict[str, list[str]] = {"ar": [], "en": []}
    title, story = article_text("water", 3, extra=2)
    body = "\n\n".join(story)
    published = "2024-05-01T10:00:00+02:00"
    common = {"language": "ar", "title": title, "body": body, "published_at": published}
    keys["ar"].append(_put(store, "alwasat", "original", "2024-05-01T08:00:00Z", common))
    source = {"name": "بوابة الوسط", "url": "https://alwasat.ly/original"}
    repost = {**common, "published_at": "2024-05-02T09:00:00+02:00", "original_source": source}
    keys["ar"].append(_put(store, "libyaakhbar", "repost", "2024-05-02T08:00:00Z", repost))
    for n, topic in enumerate(["school", "market", "road", "health"]):
        own_title, own = article_text(topic, n)
        article = {"language": "ar", "title": own_title, "body": "\n\n".join([*own[:2], STOCK])}
        keys["ar"].append(_put(store, "almarsad", f"stock-{n}", f"2024-06-0{n + 1}T10:00:00Z", article))
    for n, topic in enumerate(["port", "power"]):
        own_title, own = article_text(topic, n, english=True)
        article = {"language": "en", "title": own_title, "body": "\n\n".join(own), "published_at": published}
        keys["en"].append(_put(store, "libyareview", f"en-{n}", "2024-05-03T10:00:00Z", article))
    # A newer version of the first English article: the older one is not chosen for a 'latest' export.
    newer = {
        "language": "en",
        "title": "Updated: " + title,
        "body": body + "\n\nUpdated at 14:00.",
        "published_at": published,
    }
    older = keys["en"][0]
    keys["en"][0] = _put(store, "libyareview", "en-0", "2024-05-04T10:00:00Z", newer)
    keys["older"] = [older]
    return store, keys


def _rows(path: Path) -> bytes:
    return path.read_bytes()


def _described(url: str) -> int:
    with Database(url) as db:
        row = db.one(f"SELECT COUNT(*) FROM {TABLE} WHERE features = ?", (FEATURES,))
    return int(row[0]) if row else 0


def test_each_selected_article_is_read_once_and_filters_use_the_catalog(tmp_path: Path) -> None:
    store, keys = _archive(tmp_path / "store")
    catalog = str(tmp_path / "catalog.sqlite")
    chosen = keys["ar"] + keys["en"]

    first = export(store, "jsonl", tmp_path / "cold.jsonl", ExportFilter(), catalog_url=catalog)
    assert first.rows == len(chosen)
    assert store.article_reads() == Counter(dict.fromkeys(chosen, 1))  # once each; the older version not at all
    assert _described(catalog) == len(chosen)  # described on that read, for the next export

    store.opened.clear()
    export(store, "jsonl", tmp_path / "warm.jsonl", ExportFilter(), catalog_url=catalog)
    assert store.article_reads() == Counter(dict.fromkeys(chosen, 1))
    assert _rows(tmp_path / "warm.jsonl") == _rows(tmp_path / "cold.jsonl")
    rows = {row["id"]: row for row in map(json.loads, (tmp_path / "warm.jsonl").read_text("utf-8").splitlines())}
    assert rows["repost"]["duplicate_of"] == "original" and rows["original"]["duplicate_of"] is None
    assert all(rows[f"stock-{n}"]["duplicate_of"] is None for n in range(4))  # stock lines do not make duplicates

    # The catalog decides the selection: the Arabic articles are not even opened for an English export.
    store.opened.clear()
    english = export(store, "csv", tmp_path / "en.csv", ExportFilter(languages=("en",)), catalog_url=catalog)
    assert english.rows == len(keys["en"])
    assert store.article_reads() == Counter(dict.fromkeys(keys["en"], 1))

    # Every version: the older one is read (once) and described too.
    store.opened.clear()
    export(store, "jsonl", tmp_path / "all.jsonl", ExportFilter(versions="all"), catalog_url=catalog)
    assert store.article_reads() == Counter(dict.fromkeys(chosen + keys["older"], 1))
    assert _described(catalog) == len(chosen) + 1


def test_postgresql_catalog_gives_the_same_rows(tmp_path: Path, postgres_catalog: str) -> None:
    store, keys = _archive(tmp_path / "store")
    plain = export(store, "parquet", tmp_path / "sqlite.parquet", ExportFilter(), catalog_url=str(tmp_path / "c.db"))
    for name in ("cold", "warm"):
        store.opened.clear()
        result = export(store, "parquet", tmp_path / f"{name}.parquet", ExportFilter(), catalog_url=postgres_catalog)
        assert result.rows == plain.rows
        assert store.article_reads() == Counter(dict.fromkeys(keys["ar"] + keys["en"], 1))
        assert _rows(tmp_path / f"{name}.parquet") == _rows(tmp_path / "sqlite.parquet")
    assert _described(postgres_catalog) == plain.rows
    store.opened.clear()
    export(store, "jsonl", tmp_path / "ar.jsonl", ExportFilter(sites=("almarsad",)), catalog_url=postgres_catalog)
    assert set(store.article_reads()) == {key for key in keys["ar"] if "/almarsad/" in key}

    # A catalog made before article descriptions existed (schema 1) is migrated when opened.
    with Database(postgres_catalog) as db:
        db.execute(f"DROP TABLE {TABLE}")
        db.execute("UPDATE catalog_meta SET value = '1' WHERE name = 'schema'")
    Catalog.open(store, postgres_catalog).close()
    with Database(postgres_catalog) as db:
        assert db.has_table(TABLE)
        assert db.one("SELECT value FROM catalog_meta WHERE name = 'schema'") == (SCHEMA_VERSION,)
    export(store, "parquet", tmp_path / "migrated.parquet", ExportFilter(), catalog_url=postgres_catalog)
    assert _rows(tmp_path / "migrated.parquet") == _rows(tmp_path / "sqlite.parquet")


def test_a_schema_1_sqlite_catalog_is_migrated_and_reindex_drops_descriptions(tmp_path: Path) -> None:
    store, keys = _archive(tmp_path / "store")
    url = str(tmp_path / "catalog.sqlite")
    Catalog.open(store, url).close()
    with Database(url) as db:  # as code before schema 2 left it
        db.execute(f"DROP TABLE {TABLE}")
        db.execute("UPDATE catalog_meta SET value = '1' WHERE name = 'schema'")
    export(store, "jsonl", tmp_path / "a.jsonl", ExportFilter(), catalog_url=url)
    with Database(url) as db:
        assert db.one("SELECT value FROM catalog_meta WHERE name = 'schema'") == (SCHEMA_VERSION,)
    assert _described(url) == len(keys["ar"] + keys["en"])
    catalog = Catalog.open(store, url)
    catalog.reindex()
    catalog.close()
    assert _described(url) == 0  # derived data: rebuilt by the next export or crawl


def test_an_unusable_default_catalog_does_not_stop_an_export(tmp_path: Path) -> None:
    store, keys = _archive(tmp_path / "store")
    (tmp_path / "store" / ".catalog").mkdir()
    (tmp_path / "store" / ".catalog" / "catalog.sqlite").write_bytes(b"not a database, " * 64)
    result = export(store, "jsonl", tmp_path / "out.jsonl", ExportFilter())
    assert result.rows == len(keys["ar"] + keys["en"])
    assert store.article_reads() == Counter(dict.fromkeys(keys["ar"] + keys["en"], 1))


def test_a_crawl_describes_the_articles_it_stored(web: FixtureWeb, tmp_path: Path) -> None:
    root = tmp_path / "store"
    run = archiver(*crawl_args(web["sahil"].url("/"), store=str(root), extra=("--max-pages=12",)))
    assert run.returncode == 0, run.stderr[-3000:]
    store = CountingStore(root)
    stored = [info.key for info in store.list("articles/") if is_article_key(info.key)]
    assert stored
    url = str(root / ".catalog" / "catalog.sqlite")
    assert _described(url) == len(stored)  # before any export
    out = tmp_path / "out.jsonl"
    export(store, "jsonl", out, ExportFilter())
    assert store.article_reads() == Counter(dict.fromkeys(stored, 1))
    assert _described(url) == len(stored)  # nothing was left to describe


def test_a_release_selects_through_the_catalog_it_is_given(tmp_path: Path) -> None:
    from archiver.release.build import build_release

    store, keys = _archive(tmp_path / "store")
    catalog = str(tmp_path / "named.sqlite")
    made = build_release(
        store, "Libyan outlets", "1.0", "jsonl", tmp_path / "release", ExportFilter(), catalog_url=catalog
    )
    assert made.rows == len(keys["ar"] + keys["en"])
    assert _described(catalog) == made.rows  # the named catalog, not the default one, describes the rows
    assert store.article_reads() == Counter(dict.fromkeys(keys["ar"] + keys["en"], 1))
