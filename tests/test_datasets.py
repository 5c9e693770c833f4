"""Research datasets: the three formats carry the same rows, with a manifest and a dataset card beside each."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import CrawledArchive, archiver


def _export(store: Path, out: Path, fmt: str, *args: str) -> None:
    run = archiver("export", "--format", fmt, "--out", str(out), f"--store={store}", *args)
    assert run.returncode == 0, run.stderr


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _csv(path: Path, encoding: str = "utf-8") -> list[dict]:
    with path.open(encoding=encoding, newline="") as handle:
        rows = list(csv.DictReader(handle))
    nested = ("authors", "tags", "images", "original_source", "capture", "extraction")
    for row in rows:
        for name in nested:
            row[name] = json.loads(row[name]) if row[name] else None
        row["schema_version"] = int(row["schema_version"])
        for name, value in list(row.items()):
            if value == "":
                row[name] = None
    return rows


def test_three_formats_carry_the_same_rows(crawled: CrawledArchive, tmp_path: Path) -> None:
    for fmt in ("jsonl", "csv", "parquet"):
        _export(crawled.store, tmp_path / f"a.{fmt}", fmt)
    reference = {row["id"]: row for row in _jsonl(tmp_path / "a.jsonl")}
    assert len(reference) == len(list((crawled.store / "articles").rglob("*.json")))

    for row in _csv(tmp_path / "a.csv"):
        want = reference[row["id"]]
        for name in ("title", "body", "authors", "tags", "images", "original_source", "capture", "published_at", "url"):
            assert row[name] == want[name], name
    assert "\n\n" in next(iter(reference.values()))["body"]  # newlines survived the CSV quoting above

    table = pq.read_table(tmp_path / "a.parquet")
    assert str(table.schema.field("published_at").type) == "string"  # as published, offset kept
    assert str(table.schema.field("published_at_utc").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("authors").type) == "list<element: string>"
    assert str(table.schema.field("extraction").type).startswith("struct<method: struct<")
    for row in table.to_pylist():
        want = reference[row["id"]]
        assert row["title"] == want["title"] and row["body"] == want["body"] and row["authors"] == want["authors"]
        assert row["published_at"] == want["published_at"]
        if want["published_at"]:
            assert row["published_at_utc"] == datetime.fromisoformat(want["published_at"])
        assert row["capture"]["record_id"] == want["capture"]["record_id"]
        assert row["original_source"] == want["original_source"]
        method = {k: v for k, v in row["extraction"]["method"].items() if v is not None}
        assert method == want["extraction"]["method"]
        assert row["extraction"]["extractor_version"] == want["extraction"]["extractor_version"]


def test_manifest_and_card_come_with_every_export(crawled: CrawledArchive, tmp_path: Path) -> None:
    out = tmp_path / "arabic.csv"
    _export(crawled.store, out, "csv", "--language", "ar", "--bom")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _csv(out, encoding="utf-8-sig")
    assert rows and {row["language"] for row in rows} == {"ar"}
    manifest = json.loads((tmp_path / "arabic.csv.manifest.json").read_text())
    assert manifest["rows"] == len(rows) and manifest["format"] == "csv"
    files = {entry["name"]: entry["sha256"] for entry in manifest["files"]}
    assert files["arabic.csv"] == hashlib.sha256(out.read_bytes()).hexdigest()
    card_path = tmp_path / "arabic.csv.README.md"
    assert files["arabic.csv.README.md"] == hashlib.sha256(card_path.read_bytes()).hexdigest()
    assert manifest["filters"]["languages"] == ["ar"] and manifest["crawl_ids"]
    card = card_path.read_text(encoding="utf-8")
    assert "| 127.0.0.2 | 2024-" in card and "## Verifying" in card


def test_latest_or_all_versions(crawled: CrawledArchive, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(crawled.store, store)
    first = sorted((store / "articles" / "127.0.0.3").rglob("*.json"))[0]
    article = json.loads(first.read_text(encoding="utf-8"))
    later = first.with_name("29991231T000000000000Z.json")  # a second, later version of the same article
    later.write_text(json.dumps(dict(article, title="An edited title"), ensure_ascii=False), encoding="utf-8")
    _export(store, tmp_path / "latest.jsonl", "jsonl", "--site", "127.0.0.3")
    _export(store, tmp_path / "all.jsonl", "jsonl", "--site", "127.0.0.3", "--versions", "all")
    latest, everything = _jsonl(tmp_path / "latest.jsonl"), _jsonl(tmp_path / "all.jsonl")
    assert len(everything) == len(latest) + 1
    assert [r["title"] for r in latest if r["id"] == article["id"]] == ["An edited title"]
    assert sorted(r["title"] for r in everything if r["id"] == article["id"]) == sorted(
        [article["title"], "An edited title"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--site", "no-such-site"), "unknown site 'no-such-site'"),
        (("--versions", "some"), "unknown --versions"),
    ],
)
def test_bad_selections_exit_2_and_write_nothing(crawled: CrawledArchive, tmp_path: Path, args, message) -> None:  # type: ignore[no-untyped-def]
    run = archiver("export", "--format", "jsonl", "--out", str(tmp_path / "x.jsonl"), f"--store={crawled.store}", *args)
    assert run.returncode == 2 and message in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_exits_2(crawled: CrawledArchive, tmp_path: Path) -> None:
    run = archiver(
        "export", "--format", "parquet", "--out", str(tmp_path / "missing" / "x.parquet"), f"--store={crawled.store}"
    )
    assert run.returncode == 2 and "does not exist" in run.stderr


def test_an_aggregator_repost_and_its_original_share_a_cluster(crawled: CrawledArchive, tmp_path: Path) -> None:
    from tests.fixtureweb.sites import AGGREGATOR_ARTICLES, SAHIL_ARTICLES

    _export(crawled.store, tmp_path / "all.jsonl", "jsonl")
    rows = {row["url"]: row for row in _jsonl(tmp_path / "all.jsonl")}
    original = rows[crawled.web["sahil"].url(SAHIL_ARTICLES[0][0])]
    repost = rows[crawled.web["aggregator"].url(AGGREGATOR_ARTICLES[0][0])]
    assert original["cluster_id"] == repost["cluster_id"]
    assert {original["duplicate_of"], repost["duplicate_of"]} == {None, original["cluster_id"]}
    assert repost["original_source"] == {"name": "الساحل نيوز", "url": None}
    school = rows[crawled.web["sahil"].url(SAHIL_ARTICLES[1][0])]  # another story on the same site
    assert school["cluster_id"] != original["cluster_id"]
