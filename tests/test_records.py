"""The typed records own the archive's formats, and write exactly the bytes the archive has always held: article
versions and manifests are hashed (manifests list sha256 sums, verify recomputes them), so one changed byte would
make a new version of every article."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from archiver import extract
from archiver.datasets.columns import COLUMNS, parquet_schema
from archiver.records import ARTICLE_FIELDS, CAPTURE_FIELDS, MANIFEST_FIELDS, Article, Capture, Manifest
from tests.corpus.gate import load_cases

ROOT = Path(__file__).resolve().parent.parent
FETCHED = datetime(2026, 2, 17, 9, 30, 1, 250000, tzinfo=UTC)


def _stored_form(value: dict[str, Any]) -> bytes:
    """How the crawl serialised article JSON and manifests before the records existed."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def _capture() -> Capture:
    return Capture(
        url="https://alwasat.ly/news/libya/445566",
        fetched_at=FETCHED,
        status=200,
        warc_file="warc/alwasat/2026/02/17/20260217T093000Z-0a1b2c-00001.warc.gz",
        record_id="<urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427>",
        offset=123456,
        length=7890,
        payload_digest="sha1:2ZWC7J5XDLYMHHTJ4OIOH7FXPSMXFXJ3",
    )


ARABIC_ARTICLE: dict[str, Any] = {
    "schema_version": 1,
    "id": "5f0c1d2e3a4b5c6d7e8f9a0b",
    "url": "https://alwasat.ly/news/libya/445566",
    "canonical_url": "https://alwasat.ly/news/libya/445566",
    "site": "alwasat",
    "language": "ar",
    "title": "المجلس الرئاسي يعلن موعد الانتخابات «الجديد» في ٢٠٢٦",
    "subtitle": None,
    "authors": ["محمد الطرابلسي", "Sara O'Neil"],
    "published_at": "2026-02-17T10:15:00+02:00",
    "updated_at": None,
    "section": "ليبيا",
    "tags": ["انتخابات", "طرابلس"],
    "body": 'طرابلس – أعلن المجلس…\n\nقال "المتحدث" إن ١٢٣ مركزاً\tستفتح.\u200f',
    "images": [{"url": "https://alwasat.ly/img/1.jpg", "caption": "صورة من الأرشيف"}],
    "original_source": {"name": "وال", "url": None},
    "content_hash": "sha256:" + "ab" * 32,
    "extraction": {
        "method": {"title": "profile", "body": "generic", "published_at": "jsonld"},
        "extractor_version": "generic-1",
        "encoding": {"name": "windows-1256", "method": "meta", "repaired": False},
    },
}


def test_article_json_is_byte_identical_to_the_stored_form() -> None:
    article = dict(ARABIC_ARTICLE, capture=_capture().as_dict())
    assert Article.from_dict(article).to_json() == _stored_form(article)
    assert "المجلس".encode() in Article.from_dict(article).to_json()  # Arabic as is, never \u escaped


def test_extracted_corpus_articles_keep_their_bytes() -> None:
    cases = load_cases()[:6]
    assert cases
    for case in cases:
        article = dict(extract(case.body, case.url, case.headers), site="site", capture=_capture().as_dict())
        assert tuple(name for name in article if name != "capture") == ARTICLE_FIELDS
        assert Article.from_dict(article).to_json() == _stored_form(article), case.id


def test_capture_keeps_fetched_at_a_datetime_and_writes_the_warc_date_form() -> None:
    capture = _capture()
    assert capture.as_dict()["fetched_at"] == "2026-02-17T09:30:01.250000Z"
    assert tuple(capture.as_dict()) == tuple(name for name in CAPTURE_FIELDS if name != "imported_from")
    assert capture.as_dict()["source"] == "crawl"
    assert Capture.from_dict(capture.as_dict()) == capture
    imported = Capture(**{**capture.__dict__, "source": "imported", "imported_from": "wget.warc.gz"})
    assert tuple(imported.as_dict()) == CAPTURE_FIELDS
    assert Capture.from_dict(imported.as_dict()) == imported
    older = {k: v for k, v in capture.as_dict().items() if k not in ("source", "imported_from")}
    assert Capture.from_dict(older) == capture  # article JSON written before imports existed still reads
    libya = timezone(timedelta(hours=2))
    local = Capture(**{**capture.__dict__, "fetched_at": FETCHED.astimezone(libya)})
    assert local.fetched_at.tzinfo is UTC and local == capture


def test_manifest_json_is_byte_identical_to_the_stored_form() -> None:
    started = datetime(2026, 2, 17, 9, 0, tzinfo=UTC)
    objects = [{"key": "warc/a/2026/02/17/c-00001.warc.gz", "kind": "warc", "sha256": "00", "size": 10}]
    extra = {"site_counts": {"alwasat": {"captures": 3}}, "job": "j1", "worker": "w1"}
    old = {
        "schema_version": 1,
        "crawl_id": "c",
        "status": "finished",
        "software": "libya-news-archiver/0.1",
        "started_at": "2026-02-17T09:00:00.000000Z",
        "finished_at": "2026-02-17T09:30:01.250000Z",
        "sites": ["alwasat"],
        "settings": {"DOWNLOAD_DELAY": 1.0, "نص": "عربي"},
        "counts": {"captures": 3},
        "objects": objects,
        **extra,
    }
    manifest = Manifest(
        "c",
        "finished",
        "libya-news-archiver/0.1",
        started,
        FETCHED,
        ["alwasat"],
        old["settings"],
        {"captures": 3},
        objects,
    )
    with_extra = Manifest(**{**manifest.__dict__, "extra": extra})
    assert with_extra.to_json() == _stored_form(old)
    assert Manifest.from_dict(old) == with_extra
    recovered = Manifest(**{**manifest.__dict__, "started_at": None})
    assert json.loads(recovered.to_json())["started_at"] is None
    assert set(MANIFEST_FIELDS) <= set(old)


def test_export_columns_and_parquet_schema_derive_from_the_record() -> None:
    assert [name for name in COLUMNS if name in ARTICLE_FIELDS] == list(ARTICLE_FIELDS)
    text, stamp = pa.string(), pa.timestamp("us", tz="UTC")
    method = pa.struct([(name, text) for name in ARTICLE_FIELDS if name not in ("schema_version", "extraction")])
    # The schema exports have always had (pinned: a researcher's Parquet readers depend on it).
    pinned = {
        "schema_version": pa.int32(),
        "authors": pa.list_(text),
        "tags": pa.list_(text),
        "images": pa.list_(pa.struct([("url", text), ("caption", text)])),
        "original_source": pa.struct([("name", text), ("url", text)]),
        "extraction": pa.struct(
            [
                ("method", method),
                ("extractor_version", text),
                ("encoding", pa.struct([("name", text), ("method", text), ("repaired", pa.bool_())])),
            ]
        ),
        "capture": pa.struct(
            [
                ("url", text),
                ("fetched_at", text),
                ("fetched_at_utc", stamp),
                ("status", pa.int32()),
                ("warc_file", text),
                ("record_id", text),
                ("offset", pa.int64()),
                ("length", pa.int64()),
                ("payload_digest", text),
                ("source", text),
                ("imported_from", text),
            ]
        ),
        "published_at_utc": stamp,
        "updated_at_utc": stamp,
    }
    assert parquet_schema().equals(pa.schema([(name, pinned.get(name, text)) for name in COLUMNS]))


def test_every_record_field_is_documented_in_formats_md() -> None:
    doc = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    missing = [name for name in (*ARTICLE_FIELDS, *CAPTURE_FIELDS, *MANIFEST_FIELDS) if f"`{name}`" not in doc]
    assert missing == []


def test_an_unknown_article_field_is_refused_not_dropped() -> None:
    with pytest.raises(ValueError, match="summary"):
        Article.from_dict(dict(ARABIC_ARTICLE, summary="ملخص"))
