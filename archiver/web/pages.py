"""The reader's pages: search, URL timeline, article as of T (versions, diff, provenance, downloads), replay
frame, datasets. Server-rendered with Jinja2 autoescaping: every archived string reaches the page as text."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from archiver.errors import ArchiverError
from archiver.web.api import at_param, date_param, run_search, source
from archiver.web.charts import bars
from archiver.web.errors import ApiError
from archiver.web.i18n import LANGUAGES, words
from archiver.web.reader import (
    diff_segments,
    find_entry,
    provenance,
    read_json,
    replay_path,
    timeline,
    times,
    versions,
)
from archiver.web.security import CSRF_COOKIE, new_csrf_token

if TYPE_CHECKING:
    from archiver.catalog.catalog import Catalog
    from archiver.retrieval.lookup import HistoryEntry


def lang_of(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get("lang") or "ar"
    return wanted if wanted in LANGUAGES else "ar"


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    lang = lang_of(request)
    csrf = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            **context,
            "lang": lang,
            "dir": "rtl" if lang == "ar" else "ltr",
            "t": words(lang),
            "csrf": csrf,
            "replay_origin": request.app.state.replay_origin,
        },
        status_code=status,
    )
    response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang_of(request), samesite="lax")
    return response


def marked_parts(text: str, spans: list[list[int]]) -> list[tuple[bool, str]]:
    """`text` as (highlighted, run) pairs from the search library's [start, end) offsets; the template escapes
    every run, so a match inside hostile text is still only text."""
    parts: list[tuple[bool, str]] = []
    at = 0
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if start < at or end > len(text):
            continue
        if start > at:
            parts.append((False, text[at:start]))
        parts.append((True, text[start:end]))
        at = end
    if at < len(text):
        parts.append((False, text[at:]))
    return parts


def search_page(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    context: dict[str, Any] = {"q": q, "params": dict(request.query_params), "found": None}
    if q:
        found = run_search(request)
        for hit in found["results"]:
            hit["parts"] = marked_parts(hit["snippet"] or "", hit.get("highlights") or [])
            hit["title_parts"] = marked_parts(hit["title"] or "", hit.get("title_highlights") or [])
        context["found"] = found
        context["month_bars"] = bars(found["facets"].get("month", {}))
    return render(request, "search.html", context)


def url_page(request: Request) -> Response:
    url = request.query_params.get("u", "").strip()
    context: dict[str, Any] = {"u": url, "archived": None, "rows": []}
    if url:
        with source(request).catalog() as catalog:
            archived, entries = timeline(catalog, url)
        context["archived"] = archived
        context["rows"] = [{"e": e, "times": times(e.capture.captured_at)} for e in entries]
    return render(request, "url.html", context)


def _located(request: Request, catalog: Catalog) -> tuple[str, list[HistoryEntry], HistoryEntry]:
    """The `url` parameter's archived form, its captures, and the one shown for the `at` parameter."""
    url = request.query_params.get("url", "").strip()
    if not url:
        raise ApiError(400, "the `url` parameter is required")
    at = at_param(request)
    archived, entries = timeline(catalog, url)
    return archived, entries, find_entry(entries, at)


def article_page(request: Request) -> Response:
    with source(request).catalog() as catalog:
        archived, entries, entry = _located(request, catalog)
        shown = entry if entry.article_key else next((e for e in reversed(entries) if e.article_key), None)
        article = read_json(catalog.store, shown.article_key) if shown and shown.article_key else None
        all_versions = versions(entries)
        older, newer = _pair(request, all_versions)
        diff = None
        if older and newer and older.article_key and newer.article_key:
            a, b = read_json(catalog.store, older.article_key), read_json(catalog.store, newer.article_key)
            diff = {
                name: diff_segments(a.get(name) or "", b.get(name) or "")
                for name in ("title", "body")
                if (a.get(name) or "") != (b.get(name) or "")
            }
        info = provenance(catalog, entry)
        if shown is entry and article is not None:  # taken in from another archive, not fetched by our crawler
            info["imported_from"] = (article.get("capture") or {}).get("imported_from")
    context = {
        "url": archived,
        "at": entry.capture.captured_at,
        "article": article,
        "entry": entry,
        "versions": [{"e": v, "times": times(v.capture.captured_at)} for v in all_versions],
        "older": older,
        "newer": newer,
        "diff": diff,
        "prov": info,
        "replay": request.app.state.replay_origin + replay_path(archived, entry.capture.captured_at),
        "body_paragraphs": (article.get("body") or "").split("\n") if article else [],
        "wacz": request.app.state.wacz,
    }
    return render(request, "article.html", context)


def _pair(request: Request, all_versions: list[Any]) -> tuple[Any, Any]:
    def pick(name: str, default: Any) -> Any:
        value = request.query_params.get(name)
        return next((v for v in all_versions if v.capture.captured_at == value), default)

    if len(all_versions) < 2:
        return None, None
    return pick("a", all_versions[-2]), pick("b", all_versions[-1])


def replay_page(request: Request) -> Response:
    with source(request).catalog() as catalog:
        archived, _entries, entry = _located(request, catalog)
    frame = request.app.state.replay_origin + replay_path(archived, entry.capture.captured_at)
    context = {"url": archived, "frame": frame, "times": times(entry.capture.captured_at)}
    return render(request, "replay.html", context)


def datasets_page(request: Request) -> Response:
    from archiver.web.reader import sites_data

    return render(request, "datasets.html", {"sites": sites_data(source(request))})


def dataset_download(request: Request) -> Response:
    """The export library writes the dataset folder (data, manifest.json, README.md card); it is sent as one zip
    and removed once sent."""
    from archiver.datasets.export import export
    from archiver.datasets.selection import ExportFilter

    fmt = request.query_params.get("format", "jsonl")
    if fmt not in ("jsonl", "csv", "parquet"):
        raise ApiError(400, f"format={fmt!r}: use jsonl, csv or parquet")
    language = request.query_params.get("language") or None
    if language not in (None, "ar", "en"):
        raise ApiError(400, f"language={language!r}: use ar or en")
    selection = ExportFilter(
        sites=tuple(s for s in request.query_params.getlist("site") if s),
        date_from=date_param(request, "from"),
        date_to=date_param(request, "to"),
        languages=(language,) if language else (),
    )
    tmp = Path(tempfile.mkdtemp(prefix="archiver-dataset-"))
    try:
        src = source(request)
        export(src.store(), fmt, str(tmp / "dataset") + "/", selection, catalog_url=src.catalog_url)
        archive = shutil.make_archive(str(tmp / "dataset"), "zip", tmp / "dataset")
    except (ArchiverError, OSError):
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return FileResponse(
        archive,
        media_type="application/zip",
        filename=f"libya-news-{fmt}.zip",
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )


def lang_switch(request: Request) -> Response:
    lang = request.path_params["lang"]
    back = request.headers.get("referer") or "/"
    target = back if back.startswith(str(request.base_url)) else "/"
    response = RedirectResponse(target, status_code=303)
    if lang in LANGUAGES:
        response.set_cookie("lang", lang, samesite="lax")
    return response


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)
