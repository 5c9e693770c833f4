"""The archivists' pages: crawl history, per-site health with articles per crawl, sites with their schedules and
"crawl now"."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from archiver.web.reader import sites_data


def crawls_page(request: Request) -> Response:
    from archiver.ops.crawls import crawl_history
    from archiver.web.pages import render

    entries = [e.as_dict() for e in crawl_history(request.app.state.source.store())]
    return render(request, "crawls.html", {"crawls": entries})


def health_page(request: Request) -> Response:
    from archiver.ops.crawls import crawl_history
    from archiver.ops.health import check_health
    from archiver.web.charts import bars
    from archiver.web.pages import render

    store = request.app.state.source.store()
    report = check_health(store).as_dict()
    per_crawl: dict[str, dict[str, int]] = {}
    for entry in crawl_history(store):
        data = entry.as_dict()
        for site, cover in (data.get("coverage") or {}).items():
            per_crawl.setdefault(site, {})[str(data.get("crawl_id"))] = int(cover.get("articles", 0) or 0)
    charts = {site: bars(counts) for site, counts in per_crawl.items()}
    return render(request, "health.html", {"report": report, "charts": charts})


def sites_page(request: Request) -> Response:
    from archiver.web.pages import render

    return render(request, "sites.html", {"sites": sites_data(request.app.state.source), "started": None})


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
    return render(request, "sites.html", {"sites": sites_data(request.app.state.source), "started": crawl_id})
