"""Is a site's latest crawl healthy? Compared with the site's own recent crawls, never with other sites: a pure
function over numbers taken from the manifests, so the rules are tested directly."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "healthy": self.healthy,
            "reasons": self.reasons,
            "latest": self.latest.as_dict(),
            "usual": self.usual,
            "history": self.history,
            "note": self.note,
        }


def judge(latest: SiteSample, history: list[SiteSample], rules: Thresholds = DEFAULT_RULES) -> SiteHealth:
    """Compare `latest` with `history` (the site's previous crawls); a drop adds a reason, any reason = unhealthy."""
    if not history:
        return SiteHealth(latest.site, True, [], latest, {}, 0, note="no earlier crawl of this site to compare with")
    reasons: list[str] = []
    usual: dict[str, float] = {}

    usual["articles"] = median(h.articles for h in history)
    if usual["articles"] >= rules.yield_min_usual and latest.articles < rules.yield_ratio * usual["articles"]:
        reasons.append(f"article yield {latest.articles} (usual {usual['articles']:g})")

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

    return SiteHealth(latest.site, not reasons, reasons, latest, usual, len(history))
