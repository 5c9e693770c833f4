"""A download handler that taps the bytes Twisted sends and receives, so the WARC holds the wire, not a rebuild.

Scrapy's HTTP/1.1 handler parses responses in Twisted and hands middlewares a rebuilt view (no reason phrase, no
hop-by-hop headers, decoded bodies further up). Here the connection pool builds protocols that copy every byte
written to and read from the (TLS-decrypted) transport into a `WireExchange`, one per request on the connection.
The exchange rides on `request.meta[WIRE_META_KEY]` to the capture middleware, which writes it as WARC records.
Fidelity: request and response bytes exactly as on the connection after TLS, chunked framing included.
"""

from __future__ import annotations

import ipaddress
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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
from twisted.internet.defer import Deferred

from archiver.warc.records import utcnow

WIRE_META_KEY = "archiver_wire_exchange"


@dataclass
class WireExchange:
    """The bytes of one request/response exchange, as they crossed the connection."""

    started_at: datetime = field(default_factory=utcnow)
    sent: bytearray = field(default_factory=bytearray)
    received: bytearray = field(default_factory=bytearray)
    peer_ip: str | None = None
    tls: dict[str, str] = field(default_factory=dict)
    connection_reused: bool = False


class _TappingProtocol(_LenientHTTP11ClientProtocol):
    _exchange: WireExchange | None = None
    _requests_served = 0

    def connectionMade(self) -> None:
        transport: Any = self.transport
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
        exchange = WireExchange(connection_reused=self._requests_served > 0)
        self._requests_served += 1
        self._exchange = exchange
        self._describe_connection(exchange)
        d: Deferred[Any] = super().request(request)

        def attach(response: Any) -> Any:
            response._archiver_exchange = exchange
            return response

        d.addCallback(attach)
        return d

    def dataReceived(self, data: bytes) -> None:
        # Record before parsing: the parser may finish the response (and fire Scrapy's callbacks) inside this call.
        if self._exchange is not None:
            self._exchange.received += data
        super().dataReceived(data)  # type: ignore[no-untyped-call]

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


class _TappingClientFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: Any) -> _TappingProtocol:
        return _TappingProtocol(self._quiescentCallback)  # type: ignore[no-untyped-call]


class _TappingAgent(_ScrapyAgent):
    def _cb_bodyready(self, txresponse: Any, request: Request) -> _ResultT | Deferred[_ResultT]:
        exchange = getattr(txresponse, "_archiver_exchange", None)
        if exchange is not None:
            request.meta[WIRE_META_KEY] = exchange
        return super()._cb_bodyready(txresponse, request)


class ArchivingDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler with a tapped connection pool. Use for both http and https."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._pool._factory = _TappingClientFactory

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
