"""A small HTTP/1.1 server for fixture sites, with control over the bytes on the wire.

Each site is served on its own loopback address (127.0.0.x), so hosts really differ. A route returns a `Reply`
that can set the reason phrase, repeated and lower-case headers, gzip content coding, chunked transfer coding and
`Connection: close`, so tests can check that the archive keeps exactly what was sent.
"""

from __future__ import annotations

import gzip
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    reason: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    gzip: bool = False
    chunked: bool = False
    close: bool = False


Route = Callable[["Request"], Reply]


@dataclass
class Request:
    method: str
    path: str  # path and query as sent
    headers: dict[str, str]
    site: Site


class Site:
    """Routes of one fixture site: exact paths first, then prefix handlers, else 404."""

    def __init__(self, name: str, host: str) -> None:
        self.name = name
        self.host = host
        self.port = 0
        self.routes: dict[str, Route] = {}
        self.prefixes: list[tuple[str, Route]] = []
        self.log: list[tuple[str, str]] = []
        self.times: list[tuple[float, str, dict[str, str]]] = []  # (monotonic time, path, request headers)
        self.state: dict[str, Any] = {}
        self.tls: ssl.SSLContext | None = None  # set to serve HTTPS
        self._lock = threading.Lock()

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def add(self, path: str, route: Route | Reply) -> None:
        self.routes[path] = route if callable(route) else (lambda _req, r=route: r)

    def add_prefix(self, prefix: str, route: Route) -> None:
        self.prefixes.append((prefix, route))

    def fetched(self, path_prefix: str) -> list[str]:
        with self._lock:
            return [p for _m, p in self.log if p.startswith(path_prefix)]

    def handle(self, request: Request) -> Reply:
        with self._lock:
            self.log.append((request.method, request.path))
            self.times.append((time.monotonic(), request.path, request.headers))
        route = self.routes.get(request.path) or self.routes.get(urlsplit(request.path).path)
        if route is None:
            route = next((r for p, r in self.prefixes if request.path.startswith(p)), None)
        if route is None:
            return Reply(404, b"<html><body><h1>404</h1></body></html>")
        return route(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _SiteServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        site = self.server.site
        request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, site)
        try:
            reply = site.handle(request)
        except Exception as exc:  # noqa: BLE001 - a fixture bug should show as a 500, not hang the crawl
            reply = Reply(500, f"fixture error: {exc}".encode(), "text/plain")
        body = gzip.compress(reply.body, mtime=0) if reply.gzip else reply.body
        reason = reply.reason if reply.reason is not None else self.responses.get(reply.status, ("",))[0]
        lines = [f"HTTP/1.1 {reply.status} {reason}".encode("latin-1")]
        headers = list(reply.headers)
        if reply.content_type:
            headers.append(("Content-Type", reply.content_type))
        if reply.gzip:
            headers.append(("Content-Encoding", "gzip"))
        if reply.chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        else:
            headers.append(("Content-Length", str(len(body))))
        if reply.close:
            headers.append(("Connection", "close"))
            self.close_connection = True
        lines += [f"{name}: {value}".encode("latin-1") for name, value in headers]
        out = b"\r\n".join(lines) + b"\r\n\r\n"
        if not head:
            if reply.chunked:
                half = len(body) // 2
                for part in (body[:half], body[half:]):
                    if part:
                        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
                out += b"0\r\n\r\n"
            else:
                out += body
        self.wfile.write(out)
        self.wfile.flush()


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A crawler dropping a connection (a size limit, a TLS refusal) is expected here, not a fixture bug.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ssl.SSLError)):
            return
        super().handle_error(request, client_address)

    def __init__(self, site: Site, port: int) -> None:
        self.site = site
        super().__init__((site.host, port), _Handler)
        if site.tls is not None:
            self.socket = site.tls.wrap_socket(self.socket, server_side=True)


class FixtureWeb:
    """Serve several sites at once; use as a context manager."""

    def __init__(self, sites: list[Site], port: int = 0) -> None:
        self.sites = {site.name: site for site in sites}
        self._port = port
        self._servers: list[_SiteServer] = []

    def __enter__(self) -> FixtureWeb:
        for site in self.sites.values():
            server = _SiteServer(site, self._port)
            site.port = server.server_address[1]
            threading.Thread(target=server.serve_forever, name=f"fixture-{site.name}", daemon=True).start()
            self._servers.append(server)
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def __getitem__(self, name: str) -> Site:
        return self.sites[name]
