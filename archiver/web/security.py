"""What the app does to every answer and request: security headers, per-client rate limits, CSRF tokens, and the
validation of anything from a request that could name a store object."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_COOKIE = "lna_csrf"


def app_csp(replay_origin: str) -> str:
    """The app runs its own static script only; archived pages appear only in frames from the replay origin."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"frame-src {replay_origin}; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def replay_csp(app_origin: str) -> str:
    """Archived pages are hostile: no script, nothing from outside the replay origin, only framed by the app."""
    return (
        "default-src 'self' data: blob:; script-src 'none'; style-src 'self' 'unsafe-inline' data:; "
        "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self'; connect-src 'none'; "
        f"object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors {app_origin}"
    )


class HeadersMiddleware:
    """Adds fixed headers to every HTTP answer (unless the app set them)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in self.headers if k not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimiter:
    """A sliding window of request times per client and bucket (in memory: per replica; behind a load balancer
    each replica limits what reaches it, which bounds a client at replicas x limit)."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self.seen: dict[tuple[str, str], deque[float]] = {}

    def allow(self, client: str, bucket: str) -> bool:
        now = time.monotonic()
        times = self.seen.setdefault((client, bucket), deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        if len(self.seen) > 10_000:  # bounded memory under a flood of distinct clients
            self.seen = {key: value for key, value in self.seen.items() if value}
        return True


class SharedRateLimiter:
    """The same limit shared by every replica through one Redis (`ARCHIVER_WEB_RATE_REDIS`): a counter per client,
    bucket and fixed window, so a client gets `limit` requests a window whichever replica answers. When Redis does
    not answer, each replica falls back to its own in-memory limit rather than refusing or waving everyone through."""

    def __init__(self, url: str, limit: int, window: float = 60.0, prefix: str = "lna:rate") -> None:
        import redis

        from archiver.errors import ConfigError

        self.limit, self.window, self.prefix = limit, window, prefix
        try:
            self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        except ValueError as exc:
            raise ConfigError(f"ARCHIVER_WEB_RATE_REDIS={url!r}: {exc}; use redis://HOST:PORT/DB") from None
        self.local = RateLimiter(limit, window)

    def allow(self, client: str, bucket: str) -> bool:
        import hashlib

        import redis

        slot = int(time.time() // self.window)
        who = hashlib.sha256(f"{client}\n{bucket}".encode()).hexdigest()[:32]  # bounded keys, no raw input
        key = f"{self.prefix}:{who}:{slot}"
        try:
            pipe = self.client.pipeline()
            pipe.incr(key)
            pipe.expire(key, int(self.window) + 1)
            count = int(pipe.execute()[0])
        except redis.RedisError:
            return self.local.allow(client, bucket)
        return count <= self.limit


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_ok(cookie: str | None, field: str | None) -> bool:
    """Double-submit: the form's hidden field must equal the SameSite=Strict cookie, which another site can
    neither read nor send. Stateless, so any replica checks it."""
    return bool(cookie and field) and hmac.compare_digest(str(cookie), str(field))
