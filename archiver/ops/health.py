"""`archiver health`: each site's latest crawl against its own previous crawls (`health_rules.judge`), from the
manifests in the store. A site whose extraction broke after a redesign, or that started blocking the crawler,
shows up with the reasons."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from archiver.errors import ConfigError, NotFoundError
from archiver.ops.crawls import COVERAGE_FIELDS
from archiver.ops.health_rules import (
    BLOCK_LABELS,
    DEFAULT_RULES,
    DEFAULT_STALL_DAYS,
    SiteHealth,
    SiteSample,
    Thresholds,
    backfill_stalled,
    judge,
)
from archiver.ops.manifests import Manifest, iter_manifests, job_key
from archiver.sites import site_id_for_url
from archiver.store import Store

DEFAULT_WINDOW = 5


@dataclass(frozen=True)
class HealthReport:
    store: str
    generated_at: str
    window: int
    sites: list[SiteHealth]

    @property
    def healthy(self) -> bool:
        return all(site.healthy for site in self.sites)

    def as_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "generated_at": self.generated_at,
            "window": self.window,
            "healthy": self.healthy,
            "unhealthy_sites": [site.site for site in self.sites if not site.healthy],
            "sites": [site.as_dict() for site in self.sites],
        }


def check_health(
    store: Store,
    window: int = DEFAULT_WINDOW,
    rules: Thresholds = DEFAULT_RULES,
    stall_days: float = DEFAULT_STALL_DAYS,
    now: datetime | None = None,
) -> HealthReport:
    """Judge every site that has a crawl; NotFoundError when the store has no crawl at all. A site whose latest
    backfill has not finished and made no progress for `stall_days` days is unhealthy too."""
    if window < 1:
        raise ConfigError("--window must be at least 1 (how many earlier crawls of a site to compare with)")
    if stall_days < 0:
        raise ConfigError("--stall-days must be 0 or more (days without progress before a backfill counts as stalled)")
    crawls: dict[str, list[tuple[str, list[SiteSample]]]] = {}
    backfills: dict[str, tuple[str, dict[str, Any]]] = {}  # site -> (started_at, state) of its latest backfill
    for manifest in iter_manifests(store):
        if "import" in manifest:  # others' captures taken in (archiver/importing): no measure of a site's health
            continue
        started_at = str(manifest.get("started_at") or "")
        crawls.setdefault(job_key(manifest), []).append((started_at, samples(manifest)))
        for site, state in (manifest.get("backfill") or {}).items():
            if isinstance(state, dict) and (site not in backfills or backfills[site][0] <= started_at):
                backfills[site] = (started_at, state)
    # A site's first crawl fetches every article it finds; later ones only new articles (or all, with --recrawl).
    if not crawls:
        raise NotFoundError(f"no crawls in {store.uri} to judge; run `archiver crawl` first")
    by_site: dict[str, list[tuple[str, SiteSample]]] = {}
    for job, parts in crawls.items():
        started = min(start for start, _ in parts)
        per_site: dict[str, list[SiteSample]] = {}
        for _, part in parts:
            for sample in part:
                per_site.setdefault(sample.site, []).append(sample)
        for site, site_parts in per_site.items():
            by_site.setdefault(site, []).append((started, merge_samples(job, site_parts)))
    if not by_site:
        raise NotFoundError(f"the crawls in {store.uri} name no site to judge")
    results = []
    for site in sorted(by_site):
        ordered = [sample for _, sample in sorted(by_site[site], key=lambda pair: (pair[0], pair[1].crawl_id))]
        ordered = [
            replace(sample, kind="first") if index == 0 and sample.kind == "incremental" else sample
            for index, sample in enumerate(ordered)
        ]
        result = judge(ordered[-1], ordered[-1 - window : -1], rules)
        if site in backfills:
            state = backfills[site][1]
            stalled = backfill_stalled(state, now or datetime.now(UTC), stall_days)
            reasons = [*result.reasons, stalled] if stalled else result.reasons
            result = replace(result, backfill=state, reasons=reasons, healthy=result.healthy and not stalled)
        results.append(result)
    generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return HealthReport(store.uri, generated, window, results)


def samples(manifest: Manifest) -> list[SiteSample]:
    """Per-site numbers of one manifest: from `site_counts` when the manifest has them; from the crawl-wide
    counts for a one-site crawl; else only what `coverage` says (articles and field shares)."""
    counts: dict[str, Any] = manifest.get("counts") or {}
    site_counts: dict[str, Any] = manifest.get("site_counts") or {}
    coverage: dict[str, Any] = manifest.get("coverage") or {}
    sites = sorted(set(manifest.get("sites") or []) | set(site_counts) | set(coverage) | requested_sites(manifest))
    extraction: dict[str, Any] = manifest.get("extraction") or {}
    settings: dict[str, Any] = manifest.get("settings") or {}
    found = []
    for site in sites:
        cover = coverage.get(site) or {}
        own = site_counts.get(site)
        if own is not None:
            source, exceptions = own, _total(own.get("errors"))
        elif len(sites) == 1:
            source, exceptions = counts, _total(manifest.get("errors"))
        elif "site_counts" in manifest:  # asked for, yet not one exchange recorded: nothing answered
            source, exceptions = {}, None
        else:
            source, exceptions = None, None
        articles = int(cover.get("articles") or (source or {}).get("articles") or 0)
        shares = {name: float(cover[name]) for name in COVERAGE_FIELDS if articles and name in cover}
        pages = errors = None
        blocks: dict[str, int | None] = {}
        if source is not None:
            pages = int(source.get("captures", 0))
            server_errors = sum(int(v) for k, v in source.items() if k.startswith("status_5") and k[7:].isdigit())
            errors = (exceptions or 0) + server_errors
            blocks = {name: int(source.get(name, 0)) for name in BLOCK_LABELS if name.startswith("status_")}
            challenges = source.get("challenge_pages")
            blocks["challenge_pages"] = int(challenges) if challenges is not None else None
        sample = SiteSample(
            site, str(manifest["crawl_id"]), manifest.get("started_at"), articles, shares, pages, errors, blocks
        )
        drift = extraction.get(site) or {}
        found.append(
            replace(
                sample,
                kind="recrawl" if settings.get("recrawl") else "incremental",
                fields={str(k): float(v) for k, v in (drift.get("fields") or {}).items()},
                selectors={str(k): dict(v) for k, v in (drift.get("selectors") or {}).items()},
                **(_access(source, articles, manifest, len(sites) == 1) if source is not None else {}),
            )
        )
    return found


def _access(source: dict[str, Any], articles: int, manifest: Manifest, alone: bool) -> dict[str, Any]:
    """What answered: pages with 2xx/304 (robots.txt aside), listings among them, robots.txt's 429/5xx answers,
    and (for a one-site crawl, where the crawl-wide count is the site's) requests robots.txt refused."""

    def status_sum(prefix: str, wanted: Any) -> int:
        total = 0
        for name, value in source.items():
            code = name.removeprefix(prefix)
            if name.startswith(prefix) and code.isdigit() and wanted(int(code)):
                total += int(value)
        return total

    def answered(code: int) -> bool:
        return 200 <= code < 300 or code == 304

    ok_pages = status_sum("status_", answered) - status_sum("robots_status_", answered)
    robots_errors = {
        name.removeprefix("robots_status_"): int(value)
        for name, value in source.items()
        if name.startswith("robots_status_") and name[14:].isdigit() and (int(name[14:]) >= 500 or name[14:] == "429")
    }
    # Manifests before robots.txt answers were counted say nothing of what answered (unless nothing did).
    counted = any(name.startswith("robots_status_") for name in source) or not int(source.get("captures", 0))
    return {
        "ok_pages": ok_pages if counted else None,
        "listings": max(ok_pages - articles, 0) if counted else None,
        "robots_errors": robots_errors,
        "disallowed": int(manifest.get("robots_disallowed") or 0) if alone else None,
    }


def requested_sites(manifest: Manifest) -> set[str]:
    """The sites a crawl was asked for (a site that answered nothing at all has no WARC and no coverage, and is
    exactly the site health must report): registered ids, and the hosts of its start URLs (their site ids)."""
    settings: dict[str, Any] = manifest.get("settings") or {}
    sites = {str(site) for site in settings.get("sites") or []}
    sites |= {site_id_for_url(str(url)) for url in settings.get("start_urls") or []}
    sites.discard("")
    return sites


def _total(errors: object) -> int:
    """Download errors: a number, or a {kind: count} table."""
    if isinstance(errors, dict):
        return sum(int(v) for v in errors.values())
    return int(errors) if isinstance(errors, int | float) else 0


def merge_samples(job: str, parts: list[SiteSample]) -> SiteSample:
    """One site's numbers across the workers of a distributed crawl (a single part is returned as is)."""
    if len(parts) == 1:
        return parts[0]
    articles = sum(p.articles for p in parts)
    weighted: Counter[str] = Counter()
    for part in parts:
        for name, share in part.coverage.items():
            weighted[name] += round(share * part.articles)
    shares = {name: weighted[name] / articles for name in weighted} if articles else {}

    def add(values: list[int | None]) -> int | None:
        return None if any(v is None for v in values) else sum(v or 0 for v in values)

    blocks = {name: add([p.blocks.get(name) for p in parts]) for name in BLOCK_LABELS}
    starts = [p.started_at for p in parts if p.started_at]
    fills: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    selectors: dict[str, str] = {}
    for part in parts:
        for name, share in part.fields.items():
            fills[name] += round(share * part.articles)
        for name, seen in part.selectors.items():
            selectors[name] = str(seen.get("selector"))
            hits[name] += round(float(seen.get("share", 0)) * part.articles)
    robots: Counter[str] = Counter()
    for part in parts:
        robots.update(part.robots_errors)
    return SiteSample(
        parts[0].site,
        job,
        min(starts) if starts else None,
        articles,
        shares,
        add([p.pages for p in parts]),
        add([p.errors for p in parts]),
        blocks,
        kind=parts[0].kind,
        ok_pages=add([p.ok_pages for p in parts]),
        listings=add([p.listings for p in parts]),
        robots_errors=dict(robots),
        disallowed=add([p.disallowed for p in parts]),
        fields={name: fills[name] / articles for name in fills} if articles else {},
        selectors={n: {"selector": sel, "share": hits[n] / articles} for n, sel in selectors.items()}
        if articles
        else {},
    )
