"""A download handler that taps the bytes Twisted sends and receives, so the WARC holds the wire, not a rebuild.

Scrapy's HTTP/1.1 handler parses responses in Twisted and hands middlewares a rebuilt view (no reason phrase, no
hop-by-hop headers, decoded bodies further up). Here the connection pool builds protocols that copy every byte
written to and read from the (TLS-decrypted) transport into a `WireExchange`, one per request on the connection.
The exchange rides on `request.meta[WIRE_META_KEY]` to the capture middleware, which writes it as WARC records.
Fidelity: request and response bytes exactly as on the connection after TLS, chunked framing included.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _ResultT,
    _ScrapyAgent,
)
from scrapy.http import Request, Response
from scrapy.utils._download_handlers import wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred, fail
from twisted.python.failure import Failure

from archiver.crawl.archive.extension import installed_archive
from archiver.crawl.politeness.netsafety import AddressRefused, refusal
from archiver.provenance.connection import dns_fields, host_of, tls_fields
from archiver.warc.records import utcnow

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

WIRE_META_KEY = "archiver_wire_exchange"
logger = logging.getLogger(__name__)


class HeaderLimitExceeded(Exception):
    """A response whose header block passed ARCHIVER_HEADER_MAX_BYTES or ARCHIVER_HEADER_MAX_COUNT."""


@dataclass(frozen=True)
class HeaderLimits:
    max_bytes: int
    max_count: int
    on_exceeded: Callable[[str, str], None] = lambda url, reason: None
    # Why the connected peer address must not be used (network safety), or None; checked before each request.
    address_refusal: Callable[[str], str | None] = lambda peer: None


def _head_end(buffer: bytearray, start: int) -> int:
    """Index just past the blank line ending a header block at or after `start`, or -1."""
    crlf = buffer.find(b"\r\n\r\n", start)
    lf = buffer.find(b"\n\n", start)
    if crlf >= 0 and (lf < 0 or crlf <= lf):
        return crlf + 4
    return lf + 2 if lf >= 0 else -1


@dataclass
class WireExchange:
    """The bytes of one request/response exchange, as they crossed the connection."""

    started_at: datetime = field(default_factory=utcnow)
    sent: bytearray = field(default_factory=bytearray)
    received: bytearray = field(default_factory=bytearray)
    peer_ip: str | None = None
    tls: dict[str, str] = field(default_factory=dict)
    dns: dict[str, str] = field(default_factory=dict)  # how the host name was resolved (HTTPS captures)
    connection_reused: bool = False


class _TappingProtocol(_LenientHTTP11ClientProtocol):
    _exchange: WireExchange | None = None
    _requests_served = 0
    _limits: HeaderLimits | None = None
    _refusal: str | None = None
    # Header accounting of the current exchange: where its (next) head starts, how far it was scanned, lines seen.
    _head_start = 0
    _head_scanned = 0
    _head_lines = 0
    _head_done = True
    _url = ""

    def connectionMade(self) -> None:
        transport: Any = self.transport
        self._refusal = self._address_refusal(transport)
        if self._refusal is not None:
            # Aborted before the TLS layer sends its ClientHello (it checks for an abort first) or a request byte.
            transport.abortConnection()
        original_write = transport.write
        original_write_sequence = transport.writeSequence

        def write(data: bytes) -> None:
            if self._exchange is not None:
                self._exchange.sent += data
            original_write(data)

        def write_sequence(chunks: list[bytes]) -> None:
            if self._exchange is not None:
                for chunk in chunks:
                    self._exchange.sent += chunk
            original_write_sequence(chunks)

        # Instance attributes shadow the transport's methods for this connection only.
        transport.write = write
        transport.writeSequence = write_sequence
        super().connectionMade()

    def request(self, request: Any) -> Deferred[Any]:
        if self._refusal is not None:
            return fail(AddressRefused(f"connection to {_request_url(request)} refused: {self._refusal}"))
        exchange = WireExchange(connection_reused=self._requests_served > 0)
        self._requests_served += 1
        self._exchange = exchange
        self._head_start = self._head_scanned = self._head_lines = 0
        self._head_done = False
        self._url = _request_url(request)
        self._describe_connection(exchange)
        d: Deferred[Any] = super().request(request)

        def attach(response: Any) -> Any:
            response._archiver_exchange = exchange
            return response

        d.addCallback(attach)
        return d

    def _address_refusal(self, transport: Any) -> str | None:
        """Why the address this connection reached (after DNS) must not be used (network safety), or None."""
        if self._limits is None:
            return None
        try:
            peer = str(transport.getPeer().host)
        except AttributeError:
            return None
        return self._limits.address_refusal(peer)

    def dataReceived(self, data: bytes) -> None:
        # Record before parsing: the parser may finish the response (and fire Scrapy's callbacks) inside this call.
        if self._exchange is not None:
            self._exchange.received += data
            reason = self._header_overflow(self._exchange.received)
            if reason is not None:
                self._exchange.received = bytearray()  # the wire tap's copy goes too: this response is dropped
                if self._limits is not None:
                    self._limits.on_exceeded(self._url, reason)
                self._giveUp(Failure(HeaderLimitExceeded(reason)))  # type: ignore[no-untyped-call]
                return
        super().dataReceived(data)  # type: ignore[no-untyped-call]

    def _header_overflow(self, received: bytearray) -> str | None:
        """Why the response's header block is over the limits (counting 1xx interim heads too), or None."""
        limits = self._limits
        if limits is None or self._head_done:
            return None
        while True:
            end = _head_end(received, max(self._head_start, self._head_scanned - 3))
            upto = end if end >= 0 else len(received)
            self._head_lines += received.count(b"\n", self._head_scanned, upto)
            self._head_scanned = upto
            if upto > limits.max_bytes:
                return f"response header block over ARCHIVER_HEADER_MAX_BYTES ({limits.max_bytes} bytes)"
            if self._head_lines > limits.max_count:
                return f"response header lines over ARCHIVER_HEADER_MAX_COUNT ({limits.max_count})"
            if end < 0:
                return None
            if received[self._head_start : self._head_start + 10].startswith((b"HTTP/1.1 1", b"HTTP/1.0 1")):
                self._head_start = end  # an interim 1xx head: the final one follows, within the same budget
                continue
            self._head_done = True
            return None

    def _describe_connection(self, exchange: WireExchange) -> None:
        transport: Any = self.transport
        with suppress(AttributeError, ValueError):
            exchange.peer_ip = str(ipaddress.ip_address(transport.getPeer().host))
        try:
            cert = transport.getPeerCertificate()
        except AttributeError:
            cert = None
        if cert is not None:
            exchange.tls["certificate-sha256"] = cert.digest("sha256").decode("ascii")
            exchange.tls["certificate-subject"] = str(cert.get_subject().CN)
            try:
                exchange.tls["protocol"] = transport.getHandle().get_protocol_version_name()
                exchange.tls["cipher"] = transport.getHandle().get_cipher_name()
            except AttributeError:
                pass
            exchange.tls.update(tls_fields(transport))
            # Plain HTTP keeps no metadata record; for HTTPS it also says how the host name was resolved.
            exchange.dns.update(dns_fields(host_of(self._url.split("/", 1)[0])))


def _request_url(request: Any) -> str:
    with suppress(AttributeError, UnicodeDecodeError):
        return f"{request.headers.getRawHeaders(b'host', [b''])[0].decode()}{request.uri.decode()}"
    return ""


class _TappingClientFactory(_LenientHTTP11ClientFactory):
    header_limits: HeaderLimits | None = None

    def buildProtocol(self, addr: Any) -> _TappingProtocol:
        protocol = _TappingProtocol(self._quiescentCallback)  # type: ignore[no-untyped-call]
        protocol._limits = self.header_limits
        return protocol


class _TappingAgent(_ScrapyAgent):
    def _cb_bodyready(self, txresponse: Any, request: Request) -> _ResultT | Deferred[_ResultT]:
        exchange = getattr(txresponse, "_archiver_exchange", None)
        if exchange is not None:
            request.meta[WIRE_META_KEY] = exchange
        return super()._cb_bodyready(txresponse, request)


class ArchivingDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler with a tapped connection pool. Use for both http and https."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings

        def exceeded(url: str, reason: str) -> None:
            crawler.stats.inc_value("archiver/headers_over_limit")
            logger.warning("response from %s dropped: %s", url, reason)

        allow_private = settings.getbool("ARCHIVER_ALLOW_PRIVATE_ADDRESSES")

        def address_refusal(peer: str) -> str | None:
            found = installed_archive(crawler)
            named = found.scope.named_addresses if found else frozenset()
            reason = refusal(peer, named, allow_private)
            if reason is not None:
                crawler.stats.inc_value("archiver/refused_addresses")
                logger.warning("connection refused: %s", reason)
            return reason

        limits = HeaderLimits(
            settings.getint("ARCHIVER_HEADER_MAX_BYTES", 64 * 1024),
            settings.getint("ARCHIVER_HEADER_MAX_COUNT", 500),
            exceeded,
            address_refusal,
        )

        class _LimitedFactory(_TappingClientFactory):
            header_limits = limits

        self._pool._factory = _LimitedFactory

    async def download_request(self, request: Request) -> Response:
        # The parent's method with one change: our agent class, which hands the exchange to request.meta.
        agent = _TappingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        with wrap_twisted_exceptions():
            response: Response = await maybe_deferred_to_future(agent.download_request(request))
        return response
