"""`archiver coverage`: which months of each site the archive holds (docs/archivists.md).

Counted from the derived indexes, never by reading every article JSON: the search index holds one row per article
(its newest version: site, publication date), the catalog one row per capture (which WARC file it is in). Both are
brought up to date with the store first (`sync()`, cheap when nothing landed), so a stale index never shows.

An article is `imported` when every capture of it is in a WARC file taken in by `archiver import`; one capture of
ours (even one that found the text unchanged) makes it ours. A WARC file holds captures of one origin only, so its
origin is read once from one article version made from it (`capture.source`) and kept with the search index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from archiver.catalog.db import Database
from archiver.errors import NotFoundError
from archiver.search import SearchIndex, open_search
from archiver.sites import profiles
from archiver.store import Store

IMPORTED = "imported"
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
# Articles per site and month of publication, counted by the database (one row per month, not per article) from a
# covering index: the search index's `month` and `day` are the publication's when the page gives a date.
MONTHS_SQL = (
    "SELECT site, CASE WHEN published_at IS NULL THEN NULL ELSE month END AS published_month, COUNT(*), MIN(day), "
    "MAX(day) FROM search_docs {where} GROUP BY site, published_month"
)
COVERING_INDEX = "coverage_by_site_month"
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS coverage_warc_sources (warc_file TEXT PRIMARY KEY, source TEXT NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {COVERING_INDEX} ON search_docs (site, month, day, published_at)",
]


@dataclass(frozen=True)
class MonthCount:
    """Articles of one site published in one month, as the index groups them (`month` None: the page names no
    publication date). `first_day`/`last_day`: the earliest and latest publication day among them."""

    month: str | None
    articles: int
    first_day: str | None = None
    last_day: str | None = None


@dataclass(frozen=True)
class SiteCoverage:
    site: str
    articles: int
    oldest: str | None  # YYYY-MM-DD as published
    newest: str | None
    months: dict[str, int]  # YYYY-MM -> articles published that month (months with none left out)
    gaps: list[str]  # months between the oldest and the newest with no article
    imported: int
    undated: int  # articles whose page names no publication date: in `articles`, in no month

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)  # the fields in their order: the JSON form


@dataclass(frozen=True)
class CoverageReport:
    store: str
    sites: list[SiteCoverage] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"sites": [site.as_dict() for site in self.sites]}


def month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), both included."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def summarise(site: str, counts: Iterable[MonthCount], imported: int = 0) -> SiteCoverage:
    """A site's coverage from its articles counted by month (a pure function: the rules are tested directly). A
    month that is not a month (a date the page got wrong) counts its articles as undated."""
    total = undated = 0
    days: list[str] = []
    months: dict[str, int] = {}
    for count in counts:
        total += count.articles
        if count.month is None or not MONTH.match(count.month):
            undated += count.articles
            continue
        months[count.month] = months.get(count.month, 0) + count.articles
        days += [day for day in (count.first_day, count.last_day) if day and DAY.match(day)]
    oldest, newest = (min(days), max(days)) if days else (None, None)
    gaps = [m for m in month_range(min(months), max(months)) if m not in months] if months else []
    return SiteCoverage(site, total, oldest, newest, dict(sorted(months.items())), gaps, imported, undated)


def _create_schema(db: Database) -> None:
    """Coverage's table and index beside the search index (checked first: a write lock only when one is missing,
    as after `archiver reindex` or a new search index layout)."""
    if db.dialect == "postgresql":
        present = db.one("SELECT to_regclass(?) IS NOT NULL", (COVERING_INDEX,)) == (True,)
    else:
        present = db.one("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (COVERING_INDEX,)) is not None
    if not (present and db.has_table("coverage_warc_sources")):
        db.create_schema(SCHEMA)


def _warc_sources(index: SearchIndex) -> dict[str, str]:
    """Each WARC file that holds article captures: `imported` or `crawl`, cached in the search index's database
    (a WARC file is immutable, so its origin never changes)."""
    assert index.catalog is not None
    catalog = index.catalog
    known = {str(w): str(s) for w, s in index.db.query("SELECT warc_file, source FROM coverage_warc_sources")}
    # One article version made from each file (`new`: this capture's own JSON; older catalogs say nothing).
    rows = catalog.db.query(
        "SELECT warc_file, MIN(article_key) FROM captures WHERE article_key IS NOT NULL "
        "AND (version IS NULL OR version = 'new') GROUP BY warc_file"
    )
    fresh = []
    for warc_file, article_key in rows:
        if warc_file in known:
            continue
        try:
            with catalog.store.open(article_key) as handle:
                capture = json.loads(handle.read()).get("capture") or {}
        except (NotFoundError, ValueError, AttributeError):
            continue  # not stored (yet), or not an object: asked again next time
        source = IMPORTED if capture.get("source") == IMPORTED else "crawl"
        known[warc_file] = source
        fresh.append((warc_file, source))
    if fresh:
        with index.db.transaction():
            index.db.executemany(
                "INSERT INTO coverage_warc_sources (warc_file, source) VALUES (?, ?) ON CONFLICT DO NOTHING", fresh
            )
    return known


def _imported_articles(index: SearchIndex) -> set[str]:
    imported_files = {w for w, source in _warc_sources(index).items() if source == IMPORTED}
    if not imported_files:
        return set()
    assert index.catalog is not None
    origins: dict[str, bool] = {}  # article id -> every capture so far imported
    for article_id, warc_file in index.catalog.db.query(
        "SELECT DISTINCT article_id, warc_file FROM captures WHERE article_id IS NOT NULL"
    ):
        origins[article_id] = origins.get(article_id, True) and warc_file in imported_files
    return {article_id for article_id, imported in origins.items() if imported}


def site_coverage(store: Store, catalog_url: str | None = None, site: str | None = None) -> CoverageReport:
    """Coverage of every site with articles (or of `site` alone). NotFoundError for a site that is neither
    registered nor in the archive; a registered site with no article yet gets a row of zeros."""
    where, params = ("WHERE site = ?", [site]) if site else ("", [])
    by_site: dict[str, list[MonthCount]] = {}
    imported: dict[str, int] = {}
    with open_search(store, catalog_url) as index:
        index.sync()
        _create_schema(index.db)
        for site_id, month, articles, first_day, last_day in index.db.query(MONTHS_SQL.format(where=where), params):
            by_site.setdefault(str(site_id), []).append(MonthCount(month, int(articles), first_day, last_day))
        if imported_ids := _imported_articles(index):
            for site_id, article_id in index.db.query(f"SELECT site, article_id FROM search_docs {where}", params):
                if article_id in imported_ids:
                    imported[str(site_id)] = imported.get(str(site_id), 0) + 1
    if site and site not in by_site:
        if site not in profiles():
            raise NotFoundError(
                f"no site {site!r} in {store.uri}: not registered and no article of it archived "
                "(`archiver sites list` names the registered sites)"
            )
        by_site[site] = []
    return CoverageReport(store.uri, [summarise(s, by_site[s], imported.get(s, 0)) for s in sorted(by_site)])


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def render_text(report: CoverageReport) -> str:
    """Per site, one line of totals and a year-by-month table: a number for each month with articles, `-` for a
    gap between the oldest and the newest article, blank outside that span."""
    if not report.sites:
        return f"no articles in {report.store} yet: run `archiver crawl` or `archiver import`"
    blocks = []
    for site in report.sites:
        share = f" ({site.imported / site.articles:.0%})" if site.articles else ""
        span = f"{site.oldest} .. {site.newest}" if site.oldest else "no dated article"
        lines = [
            f"{site.site}: {site.articles} article(s), {span}; imported {site.imported}{share}, "
            f"captured by us {site.articles - site.imported}; undated {site.undated}; gaps {len(site.gaps)} month(s)"
        ]
        if site.oldest and site.newest:
            span_months = set(month_range(site.oldest[:7], site.newest[:7]))
            lines.append("        " + "".join(f"{name:>5}" for name in MONTH_NAMES))
            for year in range(int(site.oldest[:4]), int(site.newest[:4]) + 1):
                cells = []
                for number in range(1, 13):
                    month = f"{year:04d}-{number:02d}"
                    cell = str(site.months[month]) if month in site.months else "-" if month in span_months else ""
                    cells.append(f"{cell:>5}")
                lines.append(f"  {year}  " + "".join(cells).rstrip())
        if site.gaps:
            lines.append("  gaps: " + ", ".join(site.gaps))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
