"""The Starlette application: routes, error answers, security headers, rate limits, and the replay origin."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from archiver.errors import ArchiverError
from archiver.web import api, pages, pages_ops
from archiver.web.errors import ApiError
from archiver.web.openapi import description
from archiver.web.reader import ArchiveSource
from archiver.web.security import HeadersMiddleware, RateLimiter, SharedRateLimiter, app_csp
from archiver.web.tokens import TokenFile

HERE = Path(__file__).parent
RATE_LIMITED = ("/api/search", "/api/snapshot", "/api/check", "/datasets/download", "/search")


@dataclass
class WebConfig:
    store: str
    catalog: str | None = None
    replay_origin: str = "http://127.0.0.1:8001"
    require_login: bool = False
    rate_per_minute: int = 120
    rate_redis: str | None = None  # redis://...: one limit shared by every replica (else each replica its own)
    tokens: TokenFile = field(default_factory=TokenFile)
    launcher: Callable[[str, str], Any] | None = None


def _templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    return Jinja2Templates(env=env)


def create_app(config: WebConfig) -> Any:
    async def openapi(request: Request) -> Response:
        return JSONResponse(description())

    routes = [
        Route("/", pages.search_page),
        Route("/search", pages.search_page),
        Route("/url", pages.url_page),
        Route("/article", pages.article_page),
        Route("/replay", pages.replay_page),
        Route("/datasets", pages.datasets_page),
        Route("/datasets/download", pages.dataset_download),
        Route("/crawls", pages_ops.crawls_page),
        Route("/health", pages_ops.health_page),
        Route("/sites", pages_ops.sites_page),
        Route("/coverage", pages_ops.coverage_page),
        Route("/sites/crawl", pages_ops.crawl_now, methods=["POST"]),
        Route("/lang/{lang}", pages.lang_switch),
        Route("/api/openapi.json", openapi),
        Route("/api/search", api.api_search),
        Route("/api/history", api.api_history),
        Route("/api/snapshot", api.api_snapshot),
        Route("/api/check", api.api_check),
        Route("/api/sites", api.api_sites),
        Route("/api/health", api.api_health),
        Route("/api/coverage", api.api_coverage),
        Route("/api/crawls", api.api_crawls_get, methods=["GET"]),
        Route("/api/crawls", api.api_crawls_post, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    # Expected errors (bad input, not found, no token) have their own handlers, so they are answered and not logged
    # as crashes; only the handler for any other Exception sits in the outermost middleware, which logs it.
    handlers = {ApiError: _on_error, ArchiverError: _on_error, HTTPException: _on_http, Exception: _on_error}
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.state.source = ArchiveSource(config.store, config.catalog)
    app.state.templates = _templates()
    app.state.replay_origin = config.replay_origin
    app.state.tokens = config.tokens
    app.state.launcher = config.launcher or _default_launcher(config)
    app.state.wacz = True  # every capture offers its evidence package (archiver/evidence)
    limiter: RateLimiter | SharedRateLimiter = (
        SharedRateLimiter(config.rate_redis, config.rate_per_minute)
        if config.rate_redis
        else RateLimiter(config.rate_per_minute)
    )

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            path = request.url.path
            searching = path in ("/", "/search") and bool(request.query_params.get("q"))
            if searching or path.startswith(RATE_LIMITED[:-1]):
                client = request.client.host if request.client else "-"
                if not limiter.allow(client, path):
                    await _json(429, "too many requests from this client: wait a minute")(scope, receive, send)
                    return
            if config.require_login and not path.startswith("/static/") and not _logged_in(request, config.tokens):
                await _json(401, "this archive requires an archivist token (Authorization: Bearer)")(
                    scope, receive, send
                )
                return
        await app(scope, receive, send)

    headers = {
        "Content-Security-Policy": app_csp(config.replay_origin),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    return HeadersMiddleware(guarded, headers)


def _json(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _logged_in(request: Request, tokens: TokenFile) -> bool:
    from archiver.web.auth import bearer

    token = bearer(request)
    return token is not None and tokens.check(token) is not None


def _default_launcher(config: WebConfig) -> Callable[[str, str], Any]:
    from archiver.ops.launcher import SubprocessLauncher

    extra = tuple(os.environ.get("ARCHIVER_WEB_CRAWL_ARGS", "").split())
    launcher = SubprocessLauncher(config.store, config.catalog, extra_args=extra)
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "archiver" / "web-crawls"

    def launch(site: str, crawl_id: str) -> Any:
        # Each crawl logs to its own file: a crawl writing into the server's own output could fill a pipe nobody
        # reads and stall (holding the catalog) until the server is gone.
        state.mkdir(parents=True, exist_ok=True)
        with (state / f"{crawl_id}.log").open("ab") as log:
            return subprocess.Popen(
                launcher.command(site, crawl_id),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    return launch


async def _on_error(request: Request, exc: Exception) -> Response:
    status, message = api.api_error_status(exc) if isinstance(exc, ApiError | ArchiverError) else (500, "")
    if status == 500 and not message:
        message = "internal error; the server log has the details"
    if request.url.path.startswith("/api/"):
        return _json(status, message)
    return pages.render(request, "error.html", {"message": message, "status": status}, status=status)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = "no such page" if exc.status_code == 404 else str(exc.detail)
    if request.url.path.startswith("/api/"):
        return _json(exc.status_code, message)
    return pages.render(request, "error.html", {"message": message, "status": exc.status_code}, status=exc.status_code)
