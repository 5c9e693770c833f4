"""Is a site's latest crawl healthy? Compared with the site's own recent crawls, never with other sites: a pure
function over numbers taken from the manifests, so the rules are tested directly."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

# Field shares judged for coverage, with the words a report uses for them.
COVERAGE_LABELS = {"title": "title", "published_at": "date", "authors": "author", "body": "body"}
# Signs of being blocked, counted per site, with the words a report uses for them.
BLOCK_LABELS = {
    "status_403": "HTTP 403 responses",
    "status_429": "HTTP 429 responses",
    "challenge_pages": "challenge pages",
}


@dataclass(frozen=True)
class Thresholds:
    """When a number counts as a drop (defaults chosen for crawls every few hours of sites publishing daily)."""

    yield_ratio: float = 0.5  # fewer articles than this share of the site's usual (median) yield ...
    yield_min_usual: float = 3  # ... when the usual yield is at least this (quiet sites vary too much)
    coverage_drop: float = 0.3  # a field's share of articles this far below its usual share ...
    coverage_min_articles: int = 3  # ... judged on crawls with at least this many articles
    error_rate_rise: float = 0.10  # error rate (errors / pages) this far above its usual rate ...
    error_min: int = 3  # ... with at least this many errors
    block_rise: int = 3  # this many more 403s / 429s / challenge pages than usual ...
    block_share: float = 0.25  # ... or, above the usual count, this share of all the crawl's pages


DEFAULT_RULES = Thresholds()


@dataclass(frozen=True)
class SiteSample:
    """One site's numbers in one crawl. None: the manifest does not say (older manifests, multi-site crawls
    without per-site counts); rules that need a missing number are skipped."""

    site: str
    crawl_id: str
    started_at: str | None
    articles: int
    coverage: dict[str, float] = field(default_factory=dict)  # field -> share of articles, when articles > 0
    pages: int | None = None
    errors: int | None = None
    blocks: dict[str, int | None] = field(default_factory=dict)  # BLOCK_LABELS key -> count
    # first | incremental | recrawl: an incremental crawl fetches only new articles, so yields compare by kind.
    kind: str = "incremental"
    ok_pages: int | None = None  # pages that answered 2xx or 304, robots.txt not counted
    listings: int | None = None  # of those, pages that were not articles (listings, feeds, sitemaps)
    robots_errors: dict[str, int] = field(default_factory=dict)  # robots.txt answers 429/5xx by status
    disallowed: int | None = None  # requests robots.txt refused
    fields: dict[str, float] = field(default_factory=dict)  # field -> share of articles where it is full
    selectors: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> {selector, share} of the profile

    @property
    def error_rate(self) -> float | None:
        if self.errors is None or not self.pages:
            return None
        return self.errors / self.pages

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "error_rate": None if self.error_rate is None else round(self.error_rate, 3)}


@dataclass(frozen=True)
class SiteHealth:
    site: str
    healthy: bool
    reasons: list[str]
    latest: SiteSample
    usual: dict[str, float]  # the medians the latest crawl was compared with
    history: int  # how many earlier crawls of the site were compared
    note: str | None = None
    backfill: dict[str, Any] | None = None  # the site's latest backfill (its manifest's `backfill` entry)

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "healthy": self.healthy,
            "reasons": self.reasons,
            "latest": self.latest.as_dict(),
            "usual": self.usual,
            "history": self.history,
            "note": self.note,
            "backfill": self.backfill,
        }


DEFAULT_STALL_DAYS = 3.0


def backfill_stalled(state: dict[str, Any], now: datetime, stall_days: float = DEFAULT_STALL_DAYS) -> str | None:
    """A reason when a site's backfill started, has not finished, and made no progress (no request done) for
    `stall_days` days; None otherwise."""
    if state.get("finished"):
        return None
    last = _when(state.get("last_progress_at")) or _when(state.get("started_at"))
    if last is None or now - last < timedelta(days=stall_days):
        return None
    pending = state.get("pending")
    left = f", {pending} requests pending" if pending is not None else ""
    return (
        f"backfill stalled: started {state.get('started_at')}, no progress since {last:%Y-%m-%dT%H:%M:%SZ} "
        f"({(now - last).days} days){left}, oldest date reached {state.get('oldest_date') or 'none'}; "
        "run `archiver crawl SITE --backfill` again to resume it"
    )


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def access_problems(latest: SiteSample) -> list[str]:
    """A site nothing could be crawled from, whatever its history: robots.txt answering 429/5xx (RFC 9309: disallow
    everything), every page refused, or nothing answering at all."""
    reasons = [
        f"robots.txt answered {status}: the whole site is disallowed (RFC 9309)"
        for status in sorted(latest.robots_errors)
    ]
    if latest.ok_pages is None or latest.ok_pages > 0 or reasons:
        return reasons
    blocked = {name: count for name, count in latest.blocks.items() if count}
    if blocked:
        name, count = max(blocked.items(), key=lambda pair: pair[1] or 0)
        return [f"blocked: no page answered, {count} {BLOCK_LABELS[name]}"]
    if latest.disallowed:
        return [f"disallowed: robots.txt refused all {latest.disallowed} requests"]
    return [f"unreachable: no page answered ({latest.errors or 0} errors)"]


def judge(latest: SiteSample, history: list[SiteSample], rules: Thresholds = DEFAULT_RULES) -> SiteHealth:
    """Compare `latest` with `history` (the site's previous crawls); a drop adds a reason, any reason = unhealthy.
    A site nothing could be crawled from is unhealthy even on its first crawl."""
    reasons = access_problems(latest)
    if not history:
        note = "no earlier crawl of this site to compare with"
        return SiteHealth(latest.site, not reasons, reasons, latest, {}, 0, note=note)
    usual: dict[str, float] = {}

    alike = [h for h in history if h.kind == latest.kind]
    if alike:
        usual["articles"] = median(h.articles for h in alike)
        if usual["articles"] >= rules.yield_min_usual and latest.articles < rules.yield_ratio * usual["articles"]:
            reasons.append(f"article yield {latest.articles} (usual {usual['articles']:g})")
    listings = [h.listings for h in history if h.listings is not None]
    if listings and latest.listings is not None:
        usual["listings"] = median(listings)
        if usual["listings"] >= rules.yield_min_usual and latest.listings < rules.yield_ratio * usual["listings"]:
            reasons.append(f"listing pages fetched {latest.listings} (usual {usual['listings']:g})")

    for name, label in COVERAGE_LABELS.items():
        shares = [h.coverage[name] for h in history if h.articles >= rules.coverage_min_articles and name in h.coverage]
        if not shares or latest.articles < rules.coverage_min_articles or name not in latest.coverage:
            continue
        usual[name] = median(shares)
        if latest.coverage[name] < usual[name] - rules.coverage_drop:
            reasons.append(f"{label} found in {latest.coverage[name]:.0%} of articles (usual {usual[name]:.0%})")

    rates = [rate for h in history if (rate := h.error_rate) is not None]
    if rates and latest.error_rate is not None and latest.errors is not None:
        usual["error_rate"] = median(rates)
        if latest.errors >= rules.error_min and latest.error_rate > usual["error_rate"] + rules.error_rate_rise:
            reasons.append(f"error rate {latest.error_rate:.0%} (usual {usual['error_rate']:.0%})")

    for name, label in BLOCK_LABELS.items():
        count = latest.blocks.get(name)
        if count is None:
            continue
        before = [value for h in history if (value := h.blocks.get(name)) is not None]
        usual[name] = median(before) if before else 0.0
        rise = count - usual[name]
        share = count / latest.pages if latest.pages else 0.0
        if rise >= rules.block_rise or (rise > 0 and share >= rules.block_share):
            reasons.append(f"{count} {label} (usual {usual[name]:g})")

    reasons += profile_drift(latest, history, rules, usual)
    return SiteHealth(latest.site, not reasons, reasons, latest, usual, len(history))


def profile_drift(
    latest: SiteSample, history: list[SiteSample], rules: Thresholds, usual: dict[str, float]
) -> list[str]:
    """Selectors of the site's profile that match on far fewer articles than usual (the same selector in earlier
    crawls: an edited profile starts a new history), and the fill rate of the fields they serve."""
    if latest.articles < rules.coverage_min_articles:
        return []
    judged = [h for h in history if h.articles >= rules.coverage_min_articles]
    reasons = []
    for name, now in latest.selectors.items():
        shares = [
            float(before["share"])
            for h in judged
            if (before := h.selectors.get(name)) and before.get("selector") == now.get("selector")
        ]
        if not shares:
            continue
        usual[f"selector:{name}"] = median(shares)
        if float(now["share"]) < usual[f"selector:{name}"] - rules.coverage_drop:
            reasons.append(
                f"profile selector {name} = {now['selector']!r} matched {float(now['share']):.0%} of articles "
                f"(usual {usual[f'selector:{name}']:.0%})"
            )
        if name in COVERAGE_LABELS or name not in latest.fields:
            continue  # title, date, author and body fill rates are judged as coverage
        fills = [h.fields[name] for h in judged if name in h.fields]
        if fills:
            usual[name] = median(fills)
            if latest.fields[name] < usual[name] - rules.coverage_drop:
                reasons.append(f"{name} found in {latest.fields[name]:.0%} of articles (usual {usual[name]:.0%})")
    return reasons
