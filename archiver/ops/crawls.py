"""Crawl history (`archiver crawls list|show`): one summary per crawl, read from the manifests in the store.

Workers of one distributed crawl write one manifest each, sharing `job`; the list shows them as one crawl (the
job) with its workers' crawl ids, and `show` accepts either a crawl id or a job id.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from archiver.errors import NotFoundError
from archiver.ops.manifests import Manifest, iter_manifests, job_key, manifest_keys, parse_time, read_manifest
from archiver.store import Store
from archiver.store.layout import manifest_key

VERSION_COUNTS = ("articles_new", "articles_changed", "articles_unchanged")
COVERAGE_FIELDS = ("title", "published_at", "authors", "body")


@dataclass
class CrawlSummary:
    crawl_id: str  # the job id for a distributed crawl
    status: str  # complete | recovered (| mixed, for a job whose workers differ)
    started_at: str | None
    finished_at: str | None
    duration_s: float | None
    sites: list[str]
    pages: int  # HTTP exchanges captured (robots.txt, redirects and errors included)
    articles: int  # article versions stored
    versions: dict[str, int | None]  # articles_new / _changed / _unchanged; None in manifests older than those
    errors: dict[str, int]  # download errors by exception type
    http_errors: dict[str, int]  # responses by status code, 4xx and 5xx
    bytes_stored: int
    coverage: dict[str, dict[str, float]]  # site -> articles and share of articles with each field
    finish_reason: str | None
    workers: list[str] = field(default_factory=list)  # crawl ids of a job's workers

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(manifest: Manifest) -> CrawlSummary:
    counts: dict[str, Any] = manifest.get("counts") or {}
    started, finished = manifest.get("started_at"), manifest.get("finished_at")
    start_time, end_time = parse_time(started), parse_time(finished)
    # Manifests that count article versions omit zero counts; older ones do not count them at all (None).
    counted = "site_counts" in manifest or any(name in counts for name in VERSION_COUNTS)
    return CrawlSummary(
        crawl_id=str(manifest["crawl_id"]),
        status=str(manifest.get("status", "complete")),
        started_at=started,
        finished_at=finished,
        duration_s=(end_time - start_time).total_seconds() if start_time and end_time else None,
        sites=list(manifest.get("sites") or []),
        pages=int(counts.get("captures", 0)),
        articles=int(counts.get("articles", 0)),
        versions={name: counts.get(name, 0) if counted else None for name in VERSION_COUNTS},
        errors={str(k): int(v) for k, v in (manifest.get("errors") or {}).items()},
        http_errors=http_errors(counts),
        bytes_stored=int(counts.get("bytes_stored", 0)),
        coverage={site: dict(cover) for site, cover in (manifest.get("coverage") or {}).items()},
        finish_reason=manifest.get("finish_reason"),
    )


def http_errors(counts: dict[str, Any]) -> dict[str, int]:
    found = {}
    for name, value in counts.items():
        code = name.removeprefix("status_")
        if name.startswith("status_") and code.isdigit() and int(code) >= 400 and value:
            found[code] = int(value)
    return dict(sorted(found.items()))


def merge_job(job: str, parts: list[CrawlSummary]) -> CrawlSummary:
    """One summary for the workers of a distributed crawl: counts add up, coverage is weighted by articles."""
    starts = [p.started_at for p in parts if p.started_at]
    ends = [p.finished_at for p in parts if p.finished_at]
    start_time, end_time = parse_time(min(starts, default=None)), parse_time(max(ends, default=None))
    errors: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for part in parts:
        errors.update(part.errors)
        statuses.update(part.http_errors)
    versions: dict[str, int | None] = {}
    for name in VERSION_COUNTS:
        values = [p.versions.get(name) for p in parts]
        versions[name] = None if any(v is None for v in values) else sum(int(v or 0) for v in values)
    return CrawlSummary(
        crawl_id=job,
        status=parts[0].status if len({p.status for p in parts}) == 1 else "mixed",
        started_at=min(starts, default=None),
        finished_at=max(ends, default=None),
        duration_s=(end_time - start_time).total_seconds() if start_time and end_time else None,
        sites=sorted({site for part in parts for site in part.sites}),
        pages=sum(p.pages for p in parts),
        articles=sum(p.articles for p in parts),
        versions=versions,
        errors=dict(errors),
        http_errors=dict(sorted(statuses.items())),
        bytes_stored=sum(p.bytes_stored for p in parts),
        coverage=merge_coverage([p.coverage for p in parts]),
        finish_reason=",".join(sorted({p.finish_reason or "?" for p in parts})),
        workers=[p.crawl_id for p in parts],
    )


def merge_coverage(coverages: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    articles: Counter[str] = Counter()
    weighted: dict[str, dict[str, float]] = {}
    for coverage in coverages:
        for site, cover in coverage.items():
            count = int(cover.get("articles", 0))
            articles[site] += count
            sums = weighted.setdefault(site, dict.fromkeys(COVERAGE_FIELDS, 0.0))
            for name in COVERAGE_FIELDS:
                sums[name] += float(cover.get(name, 0.0)) * count
    merged: dict[str, dict[str, float]] = {}
    for site in sorted(weighted):
        total = articles[site]
        shares = {name: round(weighted[site][name] / total, 3) if total else 0.0 for name in COVERAGE_FIELDS}
        merged[site] = {"articles": total, **shares}
    return merged


def crawl_history(store: Store) -> list[CrawlSummary]:
    """Every crawl in the store, oldest first; a distributed job's workers are merged into one entry."""
    jobs: dict[str, list[CrawlSummary]] = {}
    distributed: set[str] = set()
    for manifest in iter_manifests(store):
        key = job_key(manifest)
        if manifest.get("job"):
            distributed.add(key)
        jobs.setdefault(key, []).append(summarize(manifest))
    entries = [merge_job(key, parts) if key in distributed else parts[0] for key, parts in jobs.items()]
    return sorted(entries, key=lambda entry: (entry.started_at or "", entry.crawl_id))


def find_crawl(store: Store, crawl_id: str) -> CrawlSummary:
    """The crawl with this id, or the merged job with this id; NotFoundError otherwise."""
    key = manifest_key(crawl_id)
    if "/" not in crawl_id and store.exists(key) and (manifest := read_manifest(store, key)) is not None:
        return summarize(manifest)
    parts = [summarize(m) for m in iter_manifests(store) if m.get("job") == crawl_id]
    if parts:
        return merge_job(crawl_id, sorted(parts, key=lambda p: p.started_at or ""))
    if not manifest_keys(store):
        raise NotFoundError(f"no crawls in {store.uri}; run `archiver crawl` first")
    raise NotFoundError(f"no crawl {crawl_id!r} in {store.uri}; `archiver crawls list` shows the crawl ids")
