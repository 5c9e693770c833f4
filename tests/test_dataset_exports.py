"""Exports as researchers use them: repeated filters, dataset folders that standard readers load, both time forms,
a citable card, and `verify-export` against the manifest and the WARC records."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from archiver.store.local import LocalStore
from tests.conftest import CrawledArchive, archiver


def _export(store: Path, out: str, fmt: str, *args: str) -> None:
    run = archiver("export", "--format", fmt, "--out", out, f"--store={store}", *args)
    assert run.returncode == 0, run.stderr


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _sites(store: Path) -> list[str]:
    return sorted(p.name for p in (store / "articles").iterdir())


def test_repeated_site_filters_combine_and_empty_sites_are_named(crawled: CrawledArchive, tmp_path: Path) -> None:
    first, second = _sites(crawled.store)[:2]
    out = tmp_path / "two.jsonl"
    # alwasat is a registered site the fixture archive has no article of.
    _export(crawled.store, str(out), "jsonl", "--site", first, "--site", second, "--site", "alwasat")
    rows = _jsonl(out)
    assert {row["site"] for row in rows} == {first, second}
    for site in (first, second):
        assert len([r for r in rows if r["site"] == site]) == len(list((crawled.store / "articles" / site).glob("*")))
    manifest = json.loads((tmp_path / "two.jsonl.manifest.json").read_text())
    assert manifest["filters"]["sites"] == [first, second, "alwasat"]
    assert manifest["sites_without_rows"] == ["alwasat"]
    assert "Selected sites that gave no rows: alwasat." in (tmp_path / "two.jsonl.README.md").read_text()


READERS = """
import sys, duckdb, pandas, pyarrow.dataset as ds, datasets
folder, fmt = sys.argv[1], sys.argv[2]
counts = {"pyarrow": ds.dataset(folder + "/data", format=fmt if fmt != "jsonl" else "json").count_rows()}
reader = {"parquet": "read_parquet", "csv": "read_csv", "jsonl": "read_json"}[fmt]
counts["duckdb"] = duckdb.sql(f"SELECT count(*) FROM {reader}('{folder}/data/*.{fmt}')").fetchone()[0]
if fmt == "parquet":
    counts["pandas"] = len(pandas.read_parquet(folder + "/data"))
    counts["pandas_utc"] = str(pandas.read_parquet(folder + "/data")["published_at_utc"].dtype)
loaded = datasets.load_dataset(folder)
counts["datasets"] = loaded["train"].num_rows
import json; print(json.dumps(counts))
"""


def _read_with_every_reader(folder: Path, fmt: str, tmp_path: Path) -> dict:
    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    run = subprocess.run(
        [sys.executable, "-c", READERS, str(folder), fmt], capture_output=True, text=True, env=env, timeout=240
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_a_dataset_folder_loads_in_standard_readers(crawled: CrawledArchive, tmp_path: Path) -> None:
    total = len(list((crawled.store / "articles").rglob("*.json")))
    _export(crawled.store, f"{tmp_path / 'parquet'}/", "parquet")
    folder = tmp_path / "parquet"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        "README.md",
        "data",
        "data/articles.parquet",
        "manifest.json",
    ]
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "configs:" in card and '"data/articles.parquet"' in card
    counts = _read_with_every_reader(folder, "parquet", tmp_path)
    assert counts == {
        "pyarrow": total,
        "duckdb": total,
        "pandas": total,
        "pandas_utc": counts["pandas_utc"],
        "datasets": total,
    }
    assert "UTC" in counts["pandas_utc"]

    existing = tmp_path / "jsonl"  # an existing directory without a trailing slash is a folder too
    existing.mkdir()
    _export(crawled.store, str(existing), "jsonl")
    assert (existing / "data" / "articles.jsonl").is_file() and (existing / "manifest.json").is_file()
    assert _read_with_every_reader(existing, "jsonl", tmp_path)["datasets"] == total

    again = archiver("export", "--format", "csv", "--out", str(existing), f"--store={crawled.store}")
    assert again.returncode == 2 and "already holds a dataset" in again.stderr


def test_times_carry_their_offset_and_their_utc_instant(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    article = {
        "schema_version": 1,
        "id": "a1",
        "url": "https://alwasat.ly/news/1",
        "site": "alwasat",
        "language": "ar",
        "title": "افتتاح مدرسة",
        "body": "افتتحت البلدية مدرسة جديدة في وسط المدينة.",
        "authors": [],
        "published_at": "2004-11-12T00:00:00+02:00",
        "updated_at": "2004-11-12T09:30:00+02:00",
        "capture": {"fetched_at": "2024-05-01T08:00:00.123456Z", "warc_file": "warc/alwasat/x-00000.warc.gz"},
        "extraction": {"method": {"title": "json-ld"}, "extractor_version": "generic-1"},
    }
    store.put_bytes("articles/alwasat/a1/20240501T080000Z.json", json.dumps(article).encode(), content_type="x")
    for fmt in ("jsonl", "csv", "parquet"):
        _export(store.root, str(tmp_path / f"t.{fmt}"), fmt)

    (row,) = _jsonl(tmp_path / "t.jsonl")
    assert row["published_at"] == "2004-11-12T00:00:00+02:00" and row["published_at_utc"] == "2004-11-11T22:00:00Z"
    assert row["updated_at_utc"] == "2004-11-12T07:30:00Z"
    assert row["capture"]["fetched_at_utc"] == "2024-05-01T08:00:00Z"
    for stamp in (row["published_at_utc"], row["updated_at_utc"], row["capture"]["fetched_at_utc"]):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp), stamp
    jq = shutil.which("jq")
    assert jq, "jq is needed (apt-get install jq)"
    parsed = subprocess.run(
        [jq, "-c", "[.published_at_utc, .updated_at_utc, .capture.fetched_at_utc] | map(fromdateiso8601)"],
        input=(tmp_path / "t.jsonl").read_text(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(parsed.stdout) == [1100210400, 1100244600, 1714550400]

    csv_text = (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert "2004-11-12T00:00:00+02:00,2004-11-11T22:00:00Z" in csv_text

    (prow,) = pq.read_table(tmp_path / "t.parquet").to_pylist()
    assert prow["published_at"] == "2004-11-12T00:00:00+02:00"
    assert prow["published_at_utc"] == datetime(2004, 11, 11, 22, tzinfo=UTC)
    assert prow["capture"]["fetched_at"] == "2024-05-01T08:00:00.123456Z"
    assert prow["extraction"]["method"]["title"] == "json-ld"
    card = (tmp_path / "t.parquet.README.md").read_text(encoding="utf-8")
    assert "| `published_at_utc` |" in card and "| alwasat | 2004-11 | 1 |" in card


def test_card_is_citable_and_verify_export_checks_hashes_and_warc_records(
    crawled: CrawledArchive, tmp_path: Path
) -> None:
    folder = tmp_path / "ds"
    _export(crawled.store, f"{folder}/", "parquet", "--contact", "archive@example.org", "--license", "CC-BY-4.0")
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert 'license: "cc-by-4.0"' in card and "Contact: archive@example.org." in card
    assert "## How to cite" in card and "@misc{" in card
    data_sha = json.loads((folder / "manifest.json").read_text())["files"][0]["sha256"]
    assert f"data/articles.parquet sha256 {data_sha}" in card
    ok = archiver("verify-export", str(folder), f"--store={crawled.store}")
    assert ok.returncode == 0 and "intact" in ok.stderr, ok.stdout + ok.stderr

    # A row whose capture no longer matches its WARC record, in an otherwise consistent export.
    store = tmp_path / "store"
    shutil.copytree(crawled.store, store)
    victim = sorted((store / "articles").rglob("*.json"))[0]
    article = json.loads(victim.read_text(encoding="utf-8"))
    article["capture"]["record_id"] = "<urn:uuid:00000000-0000-0000-0000-000000000000>"
    victim.write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")
    single = tmp_path / "rows.jsonl"
    _export(store, str(single), "jsonl")
    assert archiver("verify-export", str(single)).returncode == 0  # the hashes alone are fine
    bad = archiver("verify-export", str(single), f"--store={store}")
    assert bad.returncode == 1 and article["id"] in bad.stdout and "capture points at" in bad.stdout

    (folder / "data" / "articles.parquet").write_bytes(b"PAR1 not what was exported")
    (folder / "data" / "extra.parquet").write_bytes(b"")
    tampered = archiver("verify-export", str(folder))
    assert tampered.returncode == 1
    assert "data/articles.parquet: sha256" in tampered.stdout and "data/extra.parquet" in tampered.stdout
