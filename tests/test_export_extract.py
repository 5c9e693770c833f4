"""`archiver export --format jsonl` with filters, and `archiver extract` on a saved page."""

from __future__ import annotations

import json
from pathlib import Path

from archiver import extract
from tests.conftest import CrawledArchive, archiver
from tests.fixtureweb.sites import aggregator_site, feed_site, legacy_site, sahil_site


def _export(store: Path, out: Path, *args: str) -> list[dict]:
    run = archiver("export", "--format", "jsonl", "--out", str(out), f"--store={store}", *args)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_export_all_rows_are_the_stored_articles(crawled: CrawledArchive, tmp_path: Path) -> None:
    rows = _export(crawled.store, tmp_path / "all.jsonl")
    stored = list((crawled.store / "articles").rglob("*.json"))
    assert len(rows) == len(stored)
    assert {r["schema_version"] for r in rows} == {1}
    for row in rows:
        assert row["capture"]["warc_file"].startswith(f"warc/{row['site']}/")
        assert row["content_hash"].startswith("sha256:")


def test_export_filters_by_site_language_and_date(crawled: CrawledArchive, tmp_path: Path) -> None:
    english = _export(crawled.store, tmp_path / "en.jsonl", "--language", "en")
    assert {r["site"] for r in english} == {"127.0.0.3"} and len(english) == 4
    legacy = _export(crawled.store, tmp_path / "legacy.jsonl", "--site", "127.0.0.4")
    assert len(legacy) == 3
    # Boundaries are inclusive: 2024-03-09 and 2024-03-11 are published on the edges.
    window = _export(crawled.store, tmp_path / "w.jsonl", "--from", "2024-03-09", "--to", "2024-03-11")
    assert sorted(r["published_at"][:10] for r in window) == ["2024-03-09", "2024-03-11"]


def _page_fields(site, path: str, body: bytes, headers: dict[str, str] | None = None) -> None:  # type: ignore[no-untyped-def]
    expected = site.state["expected"][path]
    article = extract(body, "http://example.test" + path, headers)
    assert article["title"] == expected["title"]
    assert article["published_at"] == expected["published_at"]
    assert article["authors"] == expected["authors"]
    assert article["body"] == "\n\n".join(expected["paragraphs"])
    assert article["language"] == expected["language"]
    assert article["original_source"] == expected.get("original_source")


def test_extract_gets_the_fields_of_each_fixture_kind() -> None:
    from tests.fixtureweb.server import Request

    for site in (sahil_site(), feed_site(), legacy_site(), aggregator_site()):
        for path in site.state["expected"]:
            reply = site.handle(Request("GET", path, {}, site))
            if reply.status == 429:  # the throttled article answers on the second try
                reply = site.handle(Request("GET", path, {}, site))
            body = reply.body
            headers = {"Content-Type": reply.content_type} if reply.content_type else None
            _page_fields(site, path, body, headers)


def test_extract_cli_prints_the_article_json(tmp_path: Path) -> None:
    from tests.fixtureweb.server import Request

    site = legacy_site()
    page = tmp_path / "page.html"
    page.write_bytes(site.handle(Request("GET", "/news.php?id=101", {}, site)).body)
    run = archiver("extract", "--url", "http://legacy.test/news.php?id=101", str(page))
    assert run.returncode == 0, run.stderr
    article = json.loads(run.stdout)
    assert article["title"] == site.state["expected"]["/news.php?id=101"]["title"]
    assert article["extraction"]["encoding"]["name"] == "cp1256"
    missing = archiver("extract", "--url", "http://x.test/", str(tmp_path / "nope.html"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
