"""What comes with every export: a manifest (counts, checksums, filters, provenance) and a dataset card.

The card is Markdown with the YAML header Hugging Face reads (`configs` with `data_files`, licence, languages), so
`datasets.load_dataset(FOLDER)` finds the data; its text says what each column means, where the rows come from
(counts per site and month, selected sites that gave none), how to cite the dataset and how to verify a row.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from archiver import SOFTWARE
from archiver.datasets.columns import COLUMNS, NOTES
from archiver.store.layout import crawl_id_of_warc

DEFAULT_LICENSE = "other"
LICENSE_NOTE = (
    "The article texts, titles and images remain the work and copyright of their publishers; they are archived and "
    "shared here for research, archiving and text-and-data mining. Check the publishers' terms before republishing "
    "text. The selection, metadata and derived columns may be reused with attribution to the Libya News Archive."
)


@dataclass(frozen=True)
class CardInfo:
    """What the exporting archive says about itself: licence (an SPDX id, or `other` with the note above), contact."""

    license: str = DEFAULT_LICENSE
    contact: str | None = None

    @classmethod
    def from_options(cls, license: str | None, contact: str | None) -> CardInfo:
        return cls(
            license or os.environ.get("ARCHIVER_DATASET_LICENSE") or DEFAULT_LICENSE,
            contact or os.environ.get("ARCHIVER_CONTACT") or None,
        )


@dataclass
class DatasetStats:
    selected_sites: tuple[str, ...] = ()
    rows: int = 0
    per_site_month: Counter[tuple[str, str]] = field(default_factory=Counter)
    per_site: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    with_field: Counter[str] = field(default_factory=Counter)
    crawl_ids: set[str] = field(default_factory=set)
    first_published: str | None = None
    last_published: str | None = None
    _warcs: set[str] = field(default_factory=set, repr=False)  # WARC files whose crawl id is counted

    def add(self, row: dict[str, Any]) -> None:
        self.rows += 1
        published = str(row.get("published_at") or "")
        month = published[:7] or "undated"  # the month as published, in the page's own time zone
        site = str(row.get("site"))
        self.per_site_month[(site, month)] += 1
        self.per_site[site] += 1
        self.languages[str(row.get("language") or "unknown")] += 1
        for name in ("published_at", "authors", "original_source", "duplicate_of"):
            self.with_field[name] += bool(row.get(name))
        if published:
            day = published[:10]
            self.first_published = min(self.first_published or day, day)
            self.last_published = max(self.last_published or day, day)
        capture = row.get("capture") or {}
        warc = str(capture.get("warc_file") or "")
        if warc and warc not in self._warcs:  # rows of one crawl share a handful of WARC files
            self._warcs.add(warc)
            self.crawl_ids.add(crawl_id_of_warc(warc))

    @property
    def empty_sites(self) -> list[str]:
        """Sites the selection named that gave no row."""
        return sorted(site for site in set(self.selected_sites) if not self.per_site[site])


def manifest(
    files: dict[str, str], fmt: str, stats: DatasetStats, filters: dict[str, Any], store_uri: str, created_at: str
) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "format": fmt,
        "rows": stats.rows,
        "files": [{"name": name, "sha256": sha256} for name, sha256 in sorted(files.items())],
        "filters": filters,
        "sites_without_rows": stats.empty_sites,
        "crawl_ids": sorted(stats.crawl_ids),
        "store": store_uri,
        "software": SOFTWARE,
        "created_at": created_at,
        "columns": list(COLUMNS),
    }


def _yaml_header(name: str, meta: dict[str, Any], stats: DatasetStats, info: CardInfo, data: list[str]) -> list[str]:
    # JSON strings are valid YAML scalars: no quoting rules of our own.
    languages = sorted(lang for lang in stats.languages if lang != "unknown")
    return [
        "---",
        f"pretty_name: {json.dumps(f'Libya News Archive: {name}', ensure_ascii=False)}",
        f"license: {json.dumps(info.license.lower())}",
        *(["language:", *(f"- {json.dumps(lang)}" for lang in languages)] if languages else []),
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        "    path:",
        *(f"    - {json.dumps(path)}" for path in data),
        "---",
        "",
    ]


def _citation(name: str, meta: dict[str, Any], stats: DatasetStats) -> list[str]:
    year = str(meta["created_at"])[:4]
    sites = ", ".join(sorted(stats.per_site)) if len(stats.per_site) <= 8 else f"{len(stats.per_site)} sites"
    digests = "; ".join(f"{entry['name']} sha256 {entry['sha256']}" for entry in meta["files"])
    span = f"published {stats.first_published} to {stats.last_published}" if stats.first_published else "undated"
    key = "lna_" + "".join(ch if ch.isalnum() else "_" for ch in name).strip("_")
    return [
        f"Libya News Archive ({year}). *{name}*: {stats.rows} article versions from {sites}, {span}. "
        f"Exported {meta['created_at']} by {meta['software']} from `{meta['store']}`. {digests}.",
        "",
        "```bibtex",
        f"@misc{{{key},",
        "  author = {{Libya News Archive}},",
        f"  title = {{{{{name}}}}},",
        f"  year = {{{year}}},",
        f"  note = {{{stats.rows} article versions, {span}; exported {meta['created_at']} by {meta['software']}; "
        f"{digests}}}",
        "}",
        "```",
    ]


def card(name: str, meta: dict[str, Any], stats: DatasetStats, info: CardInfo, data: list[str]) -> str:
    """The dataset card (Markdown with a YAML header): fields, sources, counts, licence, citation, verification."""
    filters = (
        "; ".join(
            f"{k}={', '.join(v) if isinstance(v, list) else v}" for k, v in meta["filters"].items() if v and v != "None"
        )
        or "none"
    )
    empty = stats.empty_sites
    licence = f"`{info.license}`" + (f". {LICENSE_NOTE}" if info.license == DEFAULT_LICENSE else "")
    lines = [
        *_yaml_header(name, meta, stats, info, data),
        f"# Libya News Archive dataset: {name}",
        "",
        f"{stats.rows} article versions exported as {meta['format']} on {meta['created_at']} by {meta['software']}",
        f"from the store `{meta['store']}`. Filters: {filters}. Data: {', '.join(f'`{d}`' for d in data)}.",
        "",
        "## Licence and contact",
        "",
        f"Licence: {licence}",
        "",
        f"Contact: {info.contact or 'not given by the exporting archive (`archiver export --contact`)'}.",
        "",
        "## How to cite",
        "",
        *_citation(name, meta, stats),
        "",
        "## Fields",
        "",
        "Times: `published_at`, `updated_at` and `capture.fetched_at` are as the page (or the crawler) gave them,",
        "with their offset; each has a `_utc` twin, the same instant in UTC (`YYYY-MM-DDTHH:MM:SSZ`; in Parquet a",
        "UTC timestamp, and the original is text). Group by the local date with the first, sort and compare with",
        "the second.",
        "",
        "| field | meaning |",
        "| --- | --- |",
        *(f"| `{column}` | {NOTES[column]} |" for column in COLUMNS),
        "",
        "## Sources and counts",
        "",
        "Articles per site and month of publication (as published, in the page's own time zone):",
        "",
        "| site | month | articles |",
        "| --- | --- | ---: |",
        *(f"| {site} | {month} | {count} |" for (site, month), count in sorted(stats.per_site_month.items())),
        "",
        *(
            [f"Selected sites that gave no rows: {', '.join(empty)}.", ""]
            if empty
            else (["Every selected site gave rows.", ""] if stats.selected_sites else [])
        ),
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
        f"  {stats.with_field['duplicate_of']} rows are near-duplicates of their cluster's canonical row",
        "  (`duplicate_of`): the row the others name as their source, else the earliest published.",
        "- Only what the crawls reached is here: sites that blocked the crawler or removed pages before a crawl",
        "  are missing; text is as published, errors included.",
        "",
        "## Verifying",
        "",
        "`archiver verify-export PATH` re-hashes the files listed in the manifest; with `--store URI` it also checks",
        "each row against its WARC record. By hand: `capture.warc_file`, `capture.offset` and `capture.length`",
        "locate one gzip member of a WARC file in the store; decompressed, it is the response record whose",
        "`WARC-Record-ID` is `capture.record_id` and whose `WARC-Payload-Digest` is `capture.payload_digest`.",
        "",
    ]
    return "\n".join(lines)
