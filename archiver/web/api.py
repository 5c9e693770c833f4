"""The JSON API: one endpoint per page, the same answers as the CLI (`history --format json`, `snapshot`,
`crawls list`, `health`), errors as `{"error": ...}` with 400, 401, 403, 404 or 429."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from archiver.errors import ArchiverError, ConfigError, NotFoundError
from archiver.retrieval.lookup import parse_at, snapshot_article, snapshot_html, snapshot_warc
from archiver.web.errors import ApiError
from archiver.web.reader import ArchiveSource, check_capture, sites_data, timeline


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def source(request: Request) -> ArchiveSource:
    value: ArchiveSource = request.app.state.source
    return value


def required(request: Request, name: str) -> str:
    value = request.query_params.get(name, "").strip()
    if not value:
        raise ApiError(400, f"the `{name}` parameter is required")
    return value


def at_param(request: Request) -> str | None:
    value = request.query_params.get("at", "").strip()
    if not value:
        return None
    try:
        return parse_at(value)
    except ConfigError as exc:
        raise ApiError(400, str(exc).replace("--at", "at")) from exc


def date_param(request: Request, name: str) -> date | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"{name}={value!r} is not a date; use YYYY-MM-DD") from None


def run_search(request: Request) -> dict[str, Any]:
    """`/api/search`: the answer of `archiver search --format json` for the same query."""
    q = request.query_params.get("q", "").strip()
    sort = request.query_params.get("sort", "relevance")
    if sort not in ("relevance", "date"):
        raise ApiError(400, f"sort={sort!r}: use relevance or date")
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        raise ApiError(400, "page must be a whole number from 1") from None
    if page < 1:
        raise ApiError(400, "page must be a whole number from 1")
    language = request.query_params.get("language") or None
    if language not in (None, "ar", "en"):
        raise ApiError(400, f"language={language!r}: use ar or en")
    date_from, date_to = date_param(request, "from"), date_param(request, "to")
    from archiver.search import SearchQuery, open_search

    query = SearchQuery(
        q,
        sites=tuple(s for s in request.query_params.getlist("site") if s.strip()),
        date_from=date_from,
        date_to=date_to,
        language=language,
        section=request.query_params.get("section") or None,
        author=request.query_params.get("author") or None,
        sort="date" if sort == "date" else "relevance",
        page=page,
    )
    src = source(request)
    index = open_search(src.store(), src.catalog_url)
    try:
        # Crawls index what they archive as they end; a sync takes in what reached the store otherwise (a crawl on
        # another machine), at most every 30 seconds per process rather than on every request.
        index.refresh()
        found = index.search(query)
    finally:
        index.close()
    answer: dict[str, Any] = found.as_json()
    return answer


def api_search(request: Request) -> Response:
    return JSONResponse(run_search(request))


def api_history(request: Request) -> Response:
    url = required(request, "url")
    with source(request).catalog() as catalog:
        archived, entries = timeline(catalog, url)
    return JSONResponse({"url": archived, "captures": [e.as_dict() for e in entries]})


def api_snapshot(request: Request) -> Response:
    url, at = required(request, "url"), at_param(request)
    fmt = request.query_params.get("format", "json")
    with source(request).catalog() as catalog:
        from archiver.retrieval.lookup import find_url

        archived = find_url(catalog, url).url
        if fmt == "json":
            return Response(snapshot_article(catalog, archived, at)[0], media_type="application/json")
        if fmt == "html":
            # Served as a download only: an archived page never renders in the app's origin.
            text, _ = snapshot_html(catalog, archived, at)
            data = text.encode("utf-8") + (b"" if text.endswith("\n") else b"\n")
            return Response(
                data,
                media_type="text/plain; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="snapshot.html"'},
            )
        if fmt == "warc":
            name = "snapshot.warc.gz"
            return Response(
                snapshot_warc(catalog, archived, at, name),
                media_type="application/warc",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        if fmt == "wacz":
            from archiver.evidence.package import build_capture_package

            return Response(
                build_capture_package(catalog.store, archived, at),
                media_type="application/wacz",
                headers={"Content-Disposition": 'attachment; filename="capture.wacz"'},
            )
    raise ApiError(400, f"format={fmt!r}: use json, html, warc or wacz")


def api_check(request: Request) -> Response:
    url, at = required(request, "url"), at_param(request)
    with source(request).catalog() as catalog:
        from archiver.retrieval.lookup import find_url

        return JSONResponse(check_capture(catalog, find_url(catalog, url).url, at))


def api_sites(request: Request) -> Response:

    return JSONResponse({"sites": sites_data(source(request))})


def api_crawls_get(request: Request) -> Response:
    from archiver.ops.crawls import crawl_history

    return JSONResponse([e.as_dict() for e in crawl_history(source(request).store())])


def api_health(request: Request) -> Response:
    from archiver.ops.health import check_health

    return JSONResponse(check_health(source(request).store()).as_dict())


def api_coverage(request: Request) -> Response:
    """`archiver coverage --format json` (with `site=`: that site alone; 404 for a site the archive does not know)."""
    from archiver.ops.coverage import site_coverage

    src = source(request)
    site = request.query_params.get("site", "").strip() or None
    return JSONResponse(site_coverage(src.store(), src.catalog_url, site).as_dict())


def start_crawl(request: Request, site: str) -> str:
    from archiver.sites import profiles
    from archiver.web.auth import launcher_of

    if site not in profiles():
        raise ApiError(404, f"no registered site {site!r}; GET /api/sites lists them")
    crawl_id = f"web-{site}-{uuid.uuid4().hex[:8]}"
    launcher_of(request)(site, crawl_id)
    return crawl_id


async def api_crawls_post(request: Request) -> Response:
    from archiver.web.auth import require_archivist

    require_archivist(request)
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise ApiError(400, 'send JSON: {"site": "SITE_ID"}') from None
    site = body.get("site") if isinstance(body, dict) else None
    if not isinstance(site, str) or not site:
        raise ApiError(400, 'send JSON: {"site": "SITE_ID"}')
    crawl_id = start_crawl(request, site)
    return JSONResponse({"crawl_id": crawl_id, "site": site, "status": "started"}, status_code=202)


def api_error_status(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, ApiError):
        return exc.status, str(exc)
    if isinstance(exc, NotFoundError):
        return 404, str(exc)
    if isinstance(exc, ConfigError):
        return 400, str(exc)
    if isinstance(exc, ArchiverError):
        return 500, str(exc)
    raise exc
