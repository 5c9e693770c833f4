"""The archivists' pages: crawl history, per-site health with articles per crawl, coverage (articles per month,
gaps), sites with their schedules, fill rates and "crawl now"."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from archiver.errors import NotFoundError
from archiver.store import Store
from archiver.web.reader import sites_data


def crawls_page(request: Request) -> Response:
    from archiver.ops.crawls import crawl_history
    from archiver.web.pages import render

    entries = [e.as_dict() for e in crawl_history(request.app.state.source.store())]
    return render(request, "crawls.html", {"crawls": entries})


def _health_sites(store: Store) -> list[dict[str, Any]]:
    """`archiver health` per site (none when the store has no crawl yet)."""
    from archiver.ops.health import check_health

    try:
        return list(check_health(store).as_dict()["sites"])
    except NotFoundError:
        return []


def _when(value: object) -> dict[str, str] | None:
    from archiver.web.reader import times

    try:
        return times(str(value)) if value else None
    except ValueError:
        return None


def health_page(request: Request) -> Response:
    from archiver.ops.crawls import crawl_history
    from archiver.web.charts import bars
    from archiver.web.pages import render

    store = request.app.state.source.store()
    per_crawl: dict[str, dict[str, int]] = {}
    for entry in crawl_history(store):
        data = entry.as_dict()
        for site, cover in (data.get("coverage") or {}).items():
            # keyed by start time, then id: the bars run oldest to newest crawl
            label = f"{data.get('started_at') or ''} {data.get('crawl_id')}"
            per_crawl.setdefault(site, {})[label] = int(cover.get("articles", 0) or 0)
    sites = [
        {
            **site,
            "started": _when(site["latest"].get("started_at")),
            "chart": bars(per_crawl.get(site["site"], {}), width=300, height=60),
        }
        for site in _health_sites(store)
    ]
    return render(request, "health.html", {"sites": sites})


def coverage_page(request: Request) -> Response:
    from archiver.ops.coverage import month_range, site_coverage
    from archiver.web.charts import month_bars
    from archiver.web.pages import render

    src = request.app.state.source
    sites = []
    for site in site_coverage(src.store(), src.catalog_url).sites:
        span = month_range(site.oldest[:7], site.newest[:7]) if site.oldest and site.newest else []
        sites.append({**site.as_dict(), "chart": month_bars(site.months, span, height=130)})
    return render(request, "coverage.html", {"sites": sites})


def fill_rates(store: Store) -> list[dict[str, Any]]:
    """Per site, from its latest crawl that extracted articles (an incremental crawl that found nothing new has
    no rates): how often each field was filled and each profile selector matched, as shares of its articles,
    read from the manifests as `archiver health` reads them."""
    from archiver.ops.health import samples
    from archiver.ops.manifests import iter_manifests

    latest: dict[str, tuple[str, Any]] = {}
    for manifest in iter_manifests(store):
        started = str(manifest.get("started_at") or "")
        for sample in samples(manifest):
            if (sample.fields or sample.coverage or sample.selectors) and (
                sample.site not in latest
                or (started, sample.crawl_id) > (latest[sample.site][0], latest[sample.site][1].crawl_id)
            ):
                latest[sample.site] = (started, sample)
    out = []
    for site, (_, sample) in sorted(latest.items()):
        out.append(
            {
                "site": site,
                "crawl_id": sample.crawl_id,
                "articles": sample.articles,
                "fields": sorted((str(k), float(v)) for k, v in (sample.fields or sample.coverage).items()),
                "selectors": sorted(
                    (str(k), str(v.get("selector")), float(v.get("share") or 0)) for k, v in sample.selectors.items()
                ),
            }
        )
    return out


def _sites_context(request: Request, started: str | None) -> dict[str, Any]:
    src = request.app.state.source
    return {"sites": sites_data(src), "started": started, "fill_rates": fill_rates(src.store())}


def sites_page(request: Request) -> Response:
    from archiver.web.pages import render

    return render(request, "sites.html", _sites_context(request, None))


async def crawl_now(request: Request) -> Response:
    """The form behind "crawl now": CSRF-checked, then the archivist token in the form, then the crawl."""
    from archiver.web.api import start_crawl
    from archiver.web.auth import check_token
    from archiver.web.errors import ApiError
    from archiver.web.pages import render
    from archiver.web.security import CSRF_COOKIE, csrf_ok

    form = await request.form()
    if not csrf_ok(request.cookies.get(CSRF_COOKIE), str(form.get("csrf") or "")):
        raise ApiError(403, "the form expired or came from another site: reload the page and try again")
    check_token(request, str(form.get("token") or "") or None)
    crawl_id = start_crawl(request, str(form.get("site") or ""))
    return render(request, "sites.html", _sites_context(request, crawl_id))
