"""The replay origin: pywb behind a thin proxy that adds the headers pywb does not send. Archived pages get a CSP
that allows no script and nothing outside this origin (so they never reach the live web), may be framed only by
the app, and never share the app's origin (cookies, storage and the API stay out of their reach)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from archiver.web.security import replay_csp

ALLOWED_PREFIXES = ("/libya/", "/static/")  # the collection and pywb's own static files; nothing else of pywb
DROPPED = {"content-security-policy", "x-frame-options", "transfer-encoding", "connection", "keep-alive",
           "set-cookie", "content-length"}  # fmt: skip
MAX_BODY = 64 * 1024 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # pywb's redirects go to the browser, which stays on the replay origin


_OPENER = urllib.request.build_opener(_NoRedirect)


def _fetch(url: str) -> tuple[int, list[tuple[str, str]], bytes]:
    try:
        with _OPENER.open(url, timeout=30) as answer:
            return answer.status, list(answer.headers.items()), answer.read(MAX_BODY)
    except urllib.error.HTTPError as exc:
        return exc.code, list(exc.headers.items()), exc.read(MAX_BODY)


class ReplayProxy:
    def __init__(self, pywb_base: str, app_origin: str) -> None:
        self.pywb_base = pywb_base.rstrip("/")
        self.csp = replay_csp(app_origin)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.answer(request)
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        path = request.url.path
        headers = {
            "Content-Security-Policy": self.csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cross-Origin-Resource-Policy": "same-site",
        }
        if request.method not in ("GET", "HEAD") or not path.startswith(ALLOWED_PREFIXES) or ".." in path:
            return PlainTextResponse("not in the archive", status_code=404, headers=headers)
        target = self.pywb_base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        status, upstream, body = await run_in_threadpool(_fetch, target)
        kept = {k: v for k, v in upstream if k.lower() not in DROPPED}
        return Response(body, status_code=status, headers={**kept, **headers})
