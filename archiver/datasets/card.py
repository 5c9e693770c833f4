"""What comes beside every export: a manifest (counts, checksums, filters, provenance) and a dataset card."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from archiver import SOFTWARE
from archiver.datasets.writers import COLUMNS

FIELD_NOTES = {
    "id": "stable id of the article (same across versions): a hash of its normalised URL",
    "url": "the URL fetched; `canonical_url` is the page's own canonical URL when it declares one",
    "site": "registered site id, or the host for crawls of unregistered sites",
    "language": "ar, en, ... from markup and script",
    "title": "as published, without the site name, whitespace-normalised",
    "authors": "person names from bylines, JSON-LD or meta; outlets and house accounts are not authors",
    "published_at": "ISO 8601 with the page's offset, else Africa/Tripoli (+02:00); null when the page gives none",
    "body": "article text as published, paragraphs joined by a blank line; no menus, share bars or source lines",
    "original_source": "for reposts on aggregators: {name, url} of the outlet that first published the story",
    "content_hash": "sha256 of the normalised title and body: equal text, equal hash",
    "capture": "the raw capture this row comes from: WARC file, record id, offset, length, payload digest",
    "extraction": "which layer produced each field, the extractor version and the charset used",
    "cluster_id": "near-duplicate cluster (reposts, one story on several outlets): the earliest capture's article id",
    "duplicate_of": "id of the cluster's earliest capture when this row repeats it; null for the earliest itself",
}


def crawl_id_of(warc_file: str) -> str:
    return warc_file.rsplit("/", 1)[-1].rsplit("-", 1)[0]


@dataclass
class DatasetStats:
    rows: int = 0
    per_site_year: Counter[tuple[str, str]] = field(default_factory=Counter)
    with_field: Counter[str] = field(default_factory=Counter)
    crawl_ids: set[str] = field(default_factory=set)

    def add(self, article: dict[str, Any]) -> None:
        self.rows += 1
        year = str(article.get("published_at") or "")[:4] or "undated"
        self.per_site_year[(str(article.get("site")), year)] += 1
        for name in ("published_at", "authors", "original_source", "duplicate_of"):
            self.with_field[name] += bool(article.get(name))
        capture = article.get("capture") or {}
        if capture.get("warc_file"):
            self.crawl_ids.add(crawl_id_of(str(capture["warc_file"])))


def manifest(
    files: dict[str, str], fmt: str, stats: DatasetStats, filters: dict[str, Any], store_uri: str, created_at: str
) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "format": fmt,
        "rows": stats.rows,
        "files": [{"name": name, "sha256": sha256} for name, sha256 in sorted(files.items())],
        "filters": filters,
        "crawl_ids": sorted(stats.crawl_ids),
        "store": store_uri,
        "software": SOFTWARE,
        "created_at": created_at,
        "columns": list(COLUMNS),
    }


def card(name: str, meta: dict[str, Any], stats: DatasetStats) -> str:
    """The dataset card (Markdown): fields, sources and counts per site and year, method, gaps, verification."""
    lines = [
        f"# Libya News Archive dataset: {name}",
        "",
        f"{stats.rows} article versions exported as {meta['format']} on {meta['created_at']} by {meta['software']}",
        f"from the store `{meta['store']}`. Filters: "
        + (", ".join(f"{k}={v}" for k, v in meta["filters"].items() if v and v != "None") or "none")
        + ".",
        "",
        "## Fields",
        "",
        "| field | meaning |",
        "| --- | --- |",
        *(
            f"| `{column}` | {FIELD_NOTES.get(column, 'as in the archive JSON (schema_version 1)')} |"
            for column in COLUMNS
        ),
        "",
        "## Sources and counts",
        "",
        "| site | year | articles |",
        "| --- | --- | ---: |",
        *(f"| {site} | {year} | {count} |" for (site, year), count in sorted(stats.per_site_year.items())),
        "",
        "## Collection method",
        "",
        "Crawled by `archiver crawl` (Scrapy, robots.txt obeyed per RFC 9309, Crawl-delay and Retry-After honoured).",
        "Every HTTP exchange was kept byte for byte as WARC/1.1 records; each row was extracted from one response",
        f"record by `archiver.extract`. Crawls: {', '.join(meta['crawl_ids']) or 'none'}.",
        "",
        "## Known gaps",
        "",
        f"- {stats.rows - stats.with_field['published_at']} rows without a publication date,",
        f"  {stats.rows - stats.with_field['authors']} without a named author (many outlets publish none).",
        f"- {stats.with_field['original_source']} rows are reposts with a named original source;",
        f"  {stats.with_field['duplicate_of']} rows are near-duplicates of an earlier capture (`duplicate_of`).",
        "- Only what the crawls reached is here: sites that blocked the crawler or removed pages before a crawl",
        "  are missing; text is as published, errors included.",
        "",
        "## Verifying a row",
        "",
        "Each file's sha256 is in the manifest beside this card. For a row, `capture.warc_file`, `capture.offset`",
        "and `capture.length` locate one gzip member of a WARC file in the store: decompress it to get the",
        "response record whose `WARC-Record-ID` is `capture.record_id` and whose `WARC-Payload-Digest` is",
        "`capture.payload_digest`. `archiver verify --store URI` checks every article against its record, and",
        "the crawl manifests (`crawls/{crawl_id}/manifest.json`) list the sha256 of every stored object.",
        "",
    ]
    return "\n".join(lines)
