"""`archiver coverage` over a real crawled and recrawled archive: its counts are checked against the store's own
article JSON, by the newest version of each article, and stay right when the search index is stale."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import archiver, crawl_args
from tests.fixtureweb.dated import dated_site
from tests.fixtureweb.server import FixtureWeb, Site


@dataclass
class Archive:
    store: Path
    site: Site
    first: dict[str, Any]  # `coverage --format json` after the first crawl


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    site = dated_site()
    store = tmp_path_factory.mktemp("coverage") / "archive"
    with FixtureWeb([site]):
        first = archiver(*crawl_args(site.url("/"), store=str(store)))
        assert first.returncode == 0, first.stderr[-3000:]
        before = archiver("coverage", "--format=json", f"--store={store}")
        assert before.returncode == 0, before.stderr
        index = store / ".catalog" / "catalog.search.sqlite"
        stale = index.with_name("stale.sqlite")
        shutil.copyfile(index, stale)
        site.state["edition"] = 2
        second = archiver(*crawl_args(site.url("/"), store=str(store), extra=("--recrawl",)))
        assert second.returncode == 0, second.stderr[-3000:]
        # The search index as it was before the recrawl: what an index not updated after a crawl looks like.
        for leftover in index.parent.glob("catalog.search.sqlite-*"):
            leftover.unlink()
        shutil.move(stale, index)
        yield Archive(store, site, json.loads(before.stdout))


def newest_versions(store: Path) -> list[dict[str, Any]]:
    """Each article's newest version, read straight from the store's article JSON."""
    newest: dict[str, dict[str, Any]] = {}
    for path in (store / "articles").rglob("*.json"):
        article = json.loads(path.read_bytes())
        held = newest.get(article["id"])
        if held is None or article["capture"]["fetched_at"] > held["capture"]["fetched_at"]:
            newest[article["id"]] = article
    return list(newest.values())


def coverage(archive: Archive, *args: str) -> Any:
    run = archiver("coverage", f"--store={archive.store}", *args)
    assert run.returncode == 0, run.stderr
    return run


def test_counts_match_the_stores_article_json_by_newest_version(archive: Archive) -> None:
    report = json.loads(coverage(archive, "--format=json").stdout)
    (site,) = report["sites"]
    articles = newest_versions(archive.store)
    months: dict[str, int] = {}
    for article in articles:
        if article["published_at"]:
            months[article["published_at"][:7]] = months.get(article["published_at"][:7], 0) + 1
    dated = sorted(a["published_at"][:10] for a in articles if a["published_at"])
    assert site == {
        "site": articles[0]["site"],
        "articles": len(articles),
        "oldest": dated[0],
        "newest": dated[-1],
        "months": dict(sorted(months.items())),
        "gaps": ["2025-12"],
        "imported": 0,
        "undated": sum(1 for a in articles if not a["published_at"]),
    }
    # The fixture's own facts: seven articles, one undated; the re-dated English article counts in February.
    assert (site["articles"], site["undated"]) == (7, 1)
    assert site["months"] == {"2025-11": 2, "2026-01": 1, "2026-02": 3}
    assert (site["oldest"], site["newest"]) == ("2025-11-03", "2026-02-20")
    assert len(list((archive.store / "articles").rglob("*.json"))) == 8  # versions are not articles


def test_the_first_crawl_counted_the_older_date(archive: Archive) -> None:
    (site,) = archive.first["sites"]
    assert site["months"] == {"2025-10": 1, "2025-11": 2, "2026-01": 1, "2026-02": 2}
    assert site["oldest"] == "2025-10-30" and site["gaps"] == ["2025-12"]


def test_the_text_view_names_the_site_its_span_and_its_gaps(archive: Archive) -> None:
    text = coverage(archive).stdout
    head, months, row_2025, row_2026, gaps = text.splitlines()
    assert head.startswith("127.0.0.71") and "7 article(s), 2025-11-03 .. 2026-02-20" in head
    assert "imported 0 (0%)" in head and "captured by us 7" in head and "undated 1" in head
    assert months.split() == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert row_2025.split() == ["2025", "2", "-"] and row_2026.split() == ["2026", "1", "3"]
    assert gaps == "  gaps: 2025-12"


def test_one_site_and_unknown_sites(archive: Archive) -> None:
    site = json.loads(coverage(archive, "--format=json").stdout)["sites"][0]["site"]
    only = json.loads(coverage(archive, f"--site={site}", "--format=json").stdout)
    assert [s["site"] for s in only["sites"]] == [site]
    unknown = archiver("coverage", f"--store={archive.store}", "--site=nowhere")
    assert unknown.returncode == 3 and "nowhere" in unknown.stderr and "sites list" in unknown.stderr
    registered = json.loads(coverage(archive, "--site=lana", "--format=json").stdout)["sites"]
    assert registered == [
        {"site": "lana", "articles": 0, "oldest": None, "newest": None, "months": {}, "gaps": [], "imported": 0,
         "undated": 0}
    ]  # fmt: skip


def _copy_marking_imported(archive: Archive, copy: Path, warc_files: set[str] | None) -> None:
    """A copy of the store (without its catalog and indexes) in which the article versions made from these WARC
    files (all, when None) say `capture.source: imported`, as `archiver import` marks them."""
    shutil.copytree(archive.store, copy, ignore=shutil.ignore_patterns(".catalog"))
    for path in (copy / "articles").rglob("*.json"):
        article = json.loads(path.read_bytes())
        if warc_files is None or article["capture"]["warc_file"] in warc_files:
            article["capture"].update(source="imported", imported_from="other-archive.warc.gz")
            path.chmod(0o644)
            path.write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")


def test_imported_counts_articles_every_capture_of_which_was_imported(archive: Archive, tmp_path: Path) -> None:
    versions = sorted((json.loads(p.read_bytes()) for p in (archive.store / "articles").rglob("*.json")),
                      key=lambda a: a["capture"]["fetched_at"])  # fmt: skip
    first_crawl = {versions[0]["capture"]["warc_file"]}
    # Only the first crawl's WARC imported: the recrawl captured every article again, so all are ours.
    _copy_marking_imported(archive, tmp_path / "some", first_crawl)
    (site,) = json.loads(coverage(Archive(tmp_path / "some", archive.site, {}), "--format=json").stdout)["sites"]
    assert (site["articles"], site["imported"]) == (7, 0)
    with sqlite3.connect(tmp_path / "some" / ".catalog" / "catalog.search.sqlite") as db:
        sources = dict(db.execute("SELECT warc_file, source FROM coverage_warc_sources").fetchall())
    assert {w for w, s in sources.items() if s == "imported"} == first_crawl and len(sources) > 1
    _copy_marking_imported(archive, tmp_path / "all", None)
    every = Archive(tmp_path / "all", archive.site, {})
    (site,) = json.loads(coverage(every, "--format=json").stdout)["sites"]
    assert (site["articles"], site["imported"]) == (7, 7)
    assert "imported 7 (100%), captured by us 0" in coverage(every).stdout


def test_a_postgresql_catalog_gives_the_same_coverage(archive: Archive, postgres_catalog: str) -> None:
    # A fresh PostgreSQL catalog: its search index is built from the store by the first `coverage`.
    embedded = json.loads(coverage(archive, "--format=json").stdout)
    assert json.loads(coverage(archive, "--format=json", f"--catalog={postgres_catalog}").stdout) == embedded


def test_summarise_counts_undated_and_gaps_across_a_year() -> None:
    from archiver.ops.coverage import MonthCount, month_range, summarise

    counts = [
        MonthCount("2024-11", 1, "2024-11-30", "2024-11-30"),
        MonthCount("2025-02", 2, "2025-02-01", "2025-02-03"),
        MonthCount(None, 1),
        MonthCount("2025-13", 1, "2025-13-01", "2025-13-01"),  # not a month: undated
    ]
    summary = summarise("s", counts, imported=3)
    assert summary.as_dict() == {
        "site": "s",
        "articles": 5,
        "oldest": "2024-11-30",
        "newest": "2025-02-03",
        "months": {"2024-11": 1, "2025-02": 2},
        "gaps": ["2024-12", "2025-01"],
        "imported": 3,
        "undated": 2,
    }
    assert month_range("2024-12", "2025-01") == ["2024-12", "2025-01"]
    assert summarise("s", []).as_dict()["gaps"] == []
