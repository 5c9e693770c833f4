"""Reposts and near-duplicates in exports: shared cluster_id, duplicate_of the canonical row; stock paragraphs
appended by an outlet do not make unrelated stories duplicates; the canonical row is the one the others name as their
source, else the earliest published; matching text is normalised, exported text is not."""

from __future__ import annotations

import json
from pathlib import Path

from archiver.datasets.near_duplicates import normalise
from archiver.store.local import LocalStore
from tests.conftest import archiver
from tests.fixtureweb.text import article_text

STOCK = [
    "Libya has been divided between rival administrations in the east and the west for most of the past decade, "
    "with armed groups controlling much of the territory and repeated attempts at elections postponed.",
    "The country holds the largest proven oil reserves in Africa, and production has often been interrupted by "
    "blockades, disputes over revenue and clashes near the main terminals along the coast.",
]


def _put(
    store: LocalStore,
    site: str,
    ident: str,
    fetched: str,
    title: str,
    paragraphs: list[str],
    published: str = "2024-05-01T10:00:00+02:00",
    source: dict[str, str | None] | None = None,
) -> None:
    article = {
        "schema_version": 1,
        "id": ident,
        "url": f"https://{site}/{ident}",
        "site": site,
        "language": "ar",
        "title": title,
        "body": "\n\n".join(paragraphs),
        "authors": [],
        "published_at": published,
        "original_source": source,
        "capture": {"fetched_at": fetched, "warc_file": f"warc/{site}/2024/05/01/c1-00000.warc.gz"},
    }
    store.put_bytes(
        f"articles/{site}/{ident}/{fetched.replace(':', '')}.json",
        json.dumps(article, ensure_ascii=False).encode(),
        content_type="application/json",
    )


def test_normalisation_is_for_matching_only() -> None:
    assert normalise("أَعلنَ الـمـجلس ٢٠٢٤ عن مدرسةٍ جديدة") == normalise("اعلن المجلس 2024 عن مدرسه جديده")


def test_reposts_rewrites_and_stock_paragraphs(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    title, story = article_text("water", 3, extra=2)
    _put(store, "alwasat", "a-original", "2024-05-01T08:00:00Z", title, story)
    # The aggregator's repost, captured later, with the same text (its source lines were lifted at extraction).
    _put(store, "libyaakhbar", "b-repost", "2024-05-01T09:30:00Z", title, story)
    # The same story on another outlet, lightly rewritten: spelling variants, diacritics, a sentence added.
    rewritten = [p.replace("أ", "ا").replace("ة", "ه") for p in story] + ["وأكد المسؤول أن العمل سيبدأ الأسبوع المقبل."]
    _put(store, "almarsad", "c-rewrite", "2024-05-01T12:00:00Z", title.replace("أ", "ا"), rewritten)
    # Four unrelated stories from one outlet that all end with the same two stock paragraphs.
    for n, topic in enumerate(["port", "power", "library", "fishing"]):
        own_title, own = article_text(topic, n, english=True)
        _put(store, "libyareview", f"d-stock-{n}", f"2024-05-0{n + 2}T10:00:00Z", own_title, own[:2] + STOCK)

    out = tmp_path / "all.jsonl"
    run = archiver("export", "--format", "jsonl", "--out", str(out), f"--store={store.root}")
    assert run.returncode == 0, run.stderr
    rows = {row["id"]: row for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())}

    assert rows["a-original"]["cluster_id"] == "a-original" and rows["a-original"]["duplicate_of"] is None
    assert rows["b-repost"]["cluster_id"] == "a-original" and rows["b-repost"]["duplicate_of"] == "a-original"
    assert rows["c-rewrite"]["duplicate_of"] == "a-original"
    stock_clusters = {rows[f"d-stock-{n}"]["cluster_id"] for n in range(4)}
    assert stock_clusters == {f"d-stock-{n}" for n in range(4)}  # each its own cluster
    assert all(rows[f"d-stock-{n}"]["duplicate_of"] is None for n in range(4))
    assert rows["c-rewrite"]["title"] == title.replace("أ", "ا")  # exported text is as archived
    manifest = json.loads((tmp_path / "all.jsonl.manifest.json").read_text())
    assert manifest["rows"] == 7
    assert (
        "2 rows are near-duplicates of their cluster's canonical row" in (tmp_path / "all.jsonl.README.md").read_text()
    )


def _export_rows(store: LocalStore, tmp_path: Path) -> dict[str, dict]:
    out = tmp_path / "all.jsonl"
    run = archiver("export", "--format", "jsonl", "--out", str(out), f"--store={store.root}")
    assert run.returncode == 0, run.stderr
    return {row["id"]: row for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())}


def test_the_source_a_repost_names_is_canonical_not_the_first_capture(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    title, story = article_text("water", 3, extra=2)
    # The original, published in March, was captured only in December; the aggregator's repost of November,
    # captured first, names it as its source by URL.
    _put(store, "sahil", "original", "2024-12-01T08:00:00Z", title, story, "2024-03-15T09:00:00+02:00")
    source = {"name": "الساحل نيوز", "url": "https://sahil/original"}
    _put(store, "libyaakhbar", "repost", "2024-11-24T08:00:00Z", title, story, "2024-11-23T09:00:00+02:00", source)
    # Named by outlet only (no link), and the repost claims the earlier date: the named outlet still wins.
    other_title, other = article_text("school", 1, extra=2)
    _put(store, "alwasat", "wasat", "2024-06-02T08:00:00Z", other_title, other, "2024-06-02T09:00:00+02:00")
    named = {"name": "بوابة الوسط", "url": None}
    _put(
        store,
        "libyaakhbar",
        "wasat-repost",
        "2024-06-01T08:00:00Z",
        other_title,
        other,
        "2024-06-01T00:00:00+02:00",
        named,
    )
    # No source named anywhere: the earliest published, though captured last.
    third_title, third = article_text("market", 2, extra=2)
    _put(store, "almarsad", "later", "2024-07-01T08:00:00Z", third_title, third, "2024-07-01T12:00:00+02:00")
    _put(store, "lana", "earlier", "2024-07-09T08:00:00Z", third_title, third, "2024-07-01T09:00:00+02:00")

    rows = _export_rows(store, tmp_path)
    assert rows["original"]["duplicate_of"] is None and rows["original"]["cluster_id"] == "original"
    assert rows["repost"]["duplicate_of"] == "original" and rows["repost"]["cluster_id"] == "original"
    assert rows["wasat"]["duplicate_of"] is None and rows["wasat-repost"]["duplicate_of"] == "wasat"
    assert rows["earlier"]["duplicate_of"] is None and rows["later"]["duplicate_of"] == "earlier"

    # Every version of a clustered article carries the link.
    _put(store, "libyaakhbar", "repost", "2024-12-02T08:00:00Z", title, story, "2024-11-23T09:00:00+02:00", source)
    out = tmp_path / "versions.jsonl"
    run = archiver("export", "--format", "jsonl", "--versions", "all", "--out", str(out), f"--store={store.root}")
    assert run.returncode == 0, run.stderr
    versions = [row for row in map(json.loads, out.read_text(encoding="utf-8").splitlines()) if row["id"] == "repost"]
    assert [row["duplicate_of"] for row in versions] == ["original", "original"]
