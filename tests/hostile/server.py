"""A hostile HTTP server on raw sockets: every answer is written byte by byte, so it can be what no HTTP library
would send (a header block without end, a status line that is no status line, a gzip bomb without
Content-Encoding). One thread per connection; every connection is closed after one answer."""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
import zlib
from collections.abc import Callable
from contextlib import suppress
from functools import cache
from html import escape
from typing import Any

from tests.fixtureweb.text import article_text

Answer = Callable[[socket.socket, str], None]  # writes the whole answer to the socket; gets the Host header
GIB = 1024**3


def _reply(body: bytes, content_type: str = "text/html; charset=utf-8", extra: tuple[str, ...] = ()) -> bytes:
    head = ["HTTP/1.1 200 OK", f"Content-Type: {content_type}", f"Content-Length: {len(body)}", *extra]
    return ("\r\n".join([*head, "Connection: close"]) + "\r\n\r\n").encode("latin-1") + body


def _bomb(prefix: bytes, size: int) -> bytes:
    """One gzip member: `prefix`, then spaces up to `size` bytes once inflated (about size/1000 compressed).
    Built fast: after a full flush a compressor's output for the same input is the same, so one compressed
    megabyte is repeated, and the trailer's CRC-32 and length are computed for the whole."""
    chunk = b" " * (1024 * 1024)
    count = (size - len(prefix)) // len(chunk)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(prefix)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    length = (len(prefix) + count * len(chunk)) & 0xFFFFFFFF
    member = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + head + block * count + compressor.flush()
    return member + struct.pack("<II", crc, length)


@cache
def sitemap_bomb(host: str) -> bytes:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>http://{host}/news/2001/</loc></url>"
    )
    return _bomb(head.encode(), GIB)


@cache
def page_bomb() -> bytes:
    return _bomb(b"<html><head><title>bomb</title></head><body><p>", GIB)


def article(number: int, *, links: tuple[str, ...] = (), jsonld: str = "", wrap: int = 0) -> bytes:
    """An Arabic news article; `wrap` nests it in that many <div>s; its links come after the article."""
    title, paragraphs = article_text("water", number, extra=2)
    title = f"{title} {number}"
    text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    anchors = "".join(f'<a href="{escape(href, quote=True)}">link {i}</a> ' for i, href in enumerate(links))
    script = f'<script type="application/ld+json">{jsonld}</script>' if jsonld else ""
    return (
        f'<html lang="ar"><head><meta charset="utf-8"><title>{escape(title)}</title>{script}'
        '<meta property="og:type" content="article">'
        '<meta property="article:published_time" content="2024-03-03T10:00:00+02:00"></head><body>'
        + "<div>" * wrap
        + f'<article><h1>{escape(title)}</h1><div class="entry-content">{text}</div></article>'
        + "</div>" * wrap
        + f"<nav>{anchors}</nav></body></html>"
    ).encode()


def deep_jsonld(depth: int) -> str:
    return json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "x"})[:-1] + (
        ', "about": ' + "[" * depth + "]" * depth + "}"
    )


def _send(body: bytes, **kw: Any) -> Answer:
    return lambda sock, host: sock.sendall(_reply(body, **kw))


def _endless_headers(sock: socket.socket, host: str) -> None:
    """A status line, then header lines without end (stops after 1 GiB, or when the client hangs up)."""
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    line = b"X-Filler: " + b"a" * 1000 + b"\r\n"
    block = line * 256
    for _ in range(GIB // len(block)):
        sock.sendall(block)


def _many_headers(count: int) -> Answer:
    lines = "".join(f"X-Header-{n}: {n}\r\n" for n in range(count))
    body = article(3001)

    def answer(sock: socket.socket, host: str) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n{lines}Content-Length: {len(body)}\r\n"
        sock.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)

    return answer


MALFORMED = {
    "/malformed/status": b"HTTP/1.1 abc Not A Status\r\nContent-Length: 2\r\n\r\nhi",
    "/malformed/garbage": b"\x00\x01\x02 this is no HTTP\r\n\r\n",
    "/malformed/chunks": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    "/malformed/short": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<html>cut",
    "/malformed/header": b"HTTP/1.1 200 OK\r\nno colon in this header line\r\n:\r\nContent-Length: 2\r\n\r\nhi",
}


def hostile_routes(host: str) -> dict[str, Answer]:
    """Every hostile answer, keyed by path; `/` links to all of them."""
    routes: dict[str, Answer] = {
        "/robots.txt": _send(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
        # Raw gzip bytes of a sitemap without Content-Encoding: 1 MB on the wire, 1 GiB inflated.
        "/sitemap.xml": lambda sock, h: sock.sendall(_reply(sitemap_bomb(h), content_type="application/xml")),
        "/news/2001/": _send(article(2001)),
        "/endless-headers": _endless_headers,
        "/many-headers/": _many_headers(600),
        # A page as a gzip bomb with Content-Encoding: the crawl archives the raw bytes and drops the page.
        "/news/2002/": lambda sock, h: sock.sendall(_reply(page_bomb(), extra=("Content-Encoding: gzip",))),
        # Poison links, then good ones: the article must be stored and the links after the poison followed.
        "/news/2003/": _send(
            article(2003, links=("http://[::1", f"http://{host.split(':')[0]}:99999/x", "/news/2004/"))
        ),
        "/news/2004/": _send(article(2004)),
        "/news/2005/": _send(article(2005, jsonld=deep_jsonld(1000), links=("/news/2006/",))),
        "/news/2006/": _send(article(2006)),
        "/news/2007/": _send(article(2007, wrap=3000, links=("/news/2008/",))),
        "/news/2008/": _send(article(2008)),
        # Off-site links first: they must not use up the page's link budget before its in-site link.
        "/offsite-first": _send(
            (
                "<html><body>"
                + "".join(f'<a href="http://203.0.113.5/{n}">{n}</a>' for n in range(100))
                + '<a href="/news/2009/">in site</a></body></html>'
            ).encode()
        ),
        "/news/2009/": _send(article(2009)),
        "/many": _send(
            (
                "<html><body>" + "".join(f'<a href="/many/{n}">{n}</a>' for n in range(10_000)) + "</body></html>"
            ).encode()
        ),
    }
    for path, raw in MALFORMED.items():
        routes[path] = lambda sock, h, raw=raw: sock.sendall(raw)
    links = "".join(f'<a href="{path}">{path}</a> ' for path in routes if path not in ("/robots.txt", "/sitemap.xml"))
    routes["/"] = _send(f"<html><body>{links}</body></html>".encode())
    return routes


def tiny_routes(host: str) -> dict[str, Answer]:
    """A harmless site: a home page linking to one article."""
    return {
        "/robots.txt": _send(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
        "/": _send(b'<html><body><a href="/news/3101/">news</a></body></html>'),
        "/news/3101/": _send(article(3101)),
    }


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock: socket.socket = self.request
        server: HostileServer = self.server  # type: ignore[assignment]
        head = b""
        try:
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = sock.recv(4096)
                if not data:
                    break
                head += data
        except OSError:
            pass
        server.received.append(len(head))  # bytes the client sent on this connection (a TLS hello counts too)
        if b"\r\n\r\n" not in head:
            return
        lines = head.split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ")
        path = parts[1] if len(parts) > 1 else "/"
        host = next((ln.split(b":", 1)[1].strip().decode() for ln in lines if ln.lower().startswith(b"host:")), "")
        server.fetched.append(path)
        answer = server.routes.get(path.split("?")[0])
        if answer is None and path.startswith("/many/"):
            answer = _send(b"<html><body>one of many</body></html>")
        try:
            if answer is None:
                sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            else:
                answer(sock, host)
        except OSError:
            pass  # the crawler hung up (a limit, a refusal): expected here
        finally:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class HostileServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, routes: Callable[[str], dict[str, Answer]]) -> None:
        super().__init__((host, 0), _Handler)
        self.host = host
        self.port = self.server_address[1]
        self.origin = f"{host}:{self.port}"
        self.routes = routes(self.origin)
        self.fetched: list[str] = []
        self.received: list[int] = []

    def url(self, path: str) -> str:
        return f"http://{self.origin}{path}"

    def __enter__(self) -> HostileServer:
        threading.Thread(target=self.serve_forever, name=f"hostile-{self.host}", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
