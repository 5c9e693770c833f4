"""Plain-text views of crawl summaries and health reports for the CLI (JSON views are their `as_dict()`)."""

from __future__ import annotations

from archiver.ops.crawls import VERSION_COUNTS, CrawlSummary
from archiver.ops.health import HealthReport
from archiver.ops.health_rules import COVERAGE_LABELS


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def size(count: int) -> str:
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{count} B"


def versions(summary: CrawlSummary) -> str:
    new, changed, unchanged = (summary.versions.get(name) for name in VERSION_COUNTS)
    if new is None and changed is None and unchanged is None:
        return "-"
    return f"{new or 0}/{changed or 0}/{unchanged or 0}"


def crawl_list(entries: list[CrawlSummary]) -> str:
    lines = [
        f"{'CRAWL':<36} {'STARTED':<20} {'DURATION':>8} {'PAGES':>6} {'ARTICLES':>8} {'NEW/CHG/SAME':>12} "
        f"{'ERRORS':>6} {'STORED':>9}  SITES"
    ]
    for e in entries:
        errors = sum(e.errors.values())
        lines.append(
            f"{e.crawl_id:<36} {(e.started_at or '?')[:19]:<20} {duration(e.duration_s):>8} {e.pages:>6} "
            f"{e.articles:>8} {versions(e):>12} {errors:>6} {size(e.bytes_stored):>9}  {','.join(e.sites)}"
            + ("" if e.status == "complete" else f"  [{e.status}]")
        )
        lines += [f"  worker {worker}" for worker in e.workers]
    return "\n".join(lines)


def crawl_detail(e: CrawlSummary) -> str:
    lines = [
        f"crawl {e.crawl_id} ({e.status}, finished: {e.finish_reason or '?'})",
        f"  started {e.started_at or '?'}, finished {e.finished_at or '?'} ({duration(e.duration_s)})",
        f"  sites: {', '.join(e.sites) or '-'}",
        f"  pages fetched: {e.pages}",
        f"  articles: {e.articles} (new/changed/unchanged: {versions(e)})",
        f"  bytes stored: {e.bytes_stored} ({size(e.bytes_stored)})",
        "  errors: " + (", ".join(f"{kind} {n}" for kind, n in sorted(e.errors.items())) or "none"),
        "  HTTP errors: " + (", ".join(f"{code}: {n}" for code, n in e.http_errors.items()) or "none"),
    ]
    if e.workers:
        lines.append(f"  workers: {', '.join(e.workers)}")
    for site, cover in e.coverage.items():
        shares = ", ".join(f"{label} {float(cover.get(name, 0)):.0%}" for name, label in COVERAGE_LABELS.items())
        lines.append(f"  coverage {site}: {int(cover.get('articles', 0))} articles; {shares}")
    return "\n".join(lines)


def health(report: HealthReport) -> str:
    lines = []
    for site in report.sites:
        latest = site.latest
        verdict = "ok" if site.healthy else "UNHEALTHY"
        lines.append(
            f"{site.site}: {verdict} (crawl {latest.crawl_id}, {latest.kind} crawl, {latest.articles} articles, "
            f"compared with {site.history} earlier crawl(s))"
        )
        lines += [f"  - {reason}" for reason in site.reasons]
        if site.note:
            lines.append(f"  ({site.note})")
        if (backfill := site.backfill) is not None:
            pending = "" if backfill.get("pending") is None else f", {backfill['pending']} requests pending"
            lines.append(
                f"  backfill {'finished' if backfill.get('finished') else 'not finished'} (started "
                f"{backfill.get('started_at')}): {backfill.get('pages_done')} pages done, "
                f"{backfill.get('articles_found')} articles found{pending}, oldest date reached "
                f"{backfill.get('oldest_date') or 'none'}, last progress {backfill.get('last_progress_at') or 'none'}"
            )
    unhealthy = [s.site for s in report.sites if not s.healthy]
    lines.append(
        f"{len(report.sites)} site(s) checked: "
        + (f"{len(unhealthy)} unhealthy ({', '.join(unhealthy)})" if unhealthy else "all healthy")
    )
    return "\n".join(lines)
