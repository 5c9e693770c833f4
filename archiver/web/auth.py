"""Who may change things: an archivist token (`Authorization: Bearer TOKEN`, or the token field of a form that
also carries its CSRF token)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from archiver.web.errors import ApiError
from archiver.web.tokens import TokenFile, TokenInfo


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def check_token(request: Request, token: str | None) -> TokenInfo:
    if not token:
        raise ApiError(401, "an archivist token is needed: `archiver tokens create NAME` makes one")
    tokens: TokenFile = request.app.state.tokens
    found = tokens.check(token)
    if found is None:
        raise ApiError(403, "this token is not valid (revoked or mistyped)")
    return found


def require_archivist(request: Request) -> TokenInfo:
    return check_token(request, bearer(request))


def launcher_of(request: Request) -> Any:
    return request.app.state.launcher
