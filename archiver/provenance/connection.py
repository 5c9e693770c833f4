"""Read what one connection proves about the server it reached, for the capture's metadata record.

Certificates: the chain exactly as the server presented it in the handshake (leaf first), as pyOpenSSL hands it
over, each as DER. DNS: the answer Scrapy's caching resolver gave for the host name, which is what the connection
was made from (a cached answer included; the address actually reached is the response's WARC-IP-Address).
"""

from __future__ import annotations

import base64
import ipaddress
import textwrap
from collections.abc import Iterable
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

CERTIFICATE_FIELD = "tls-certificate-"  # tls-certificate-0 (the leaf), -1, ...: base64 DER, the PEM body unfolded
NO_LOOKUP = "none: the URL names an IP address"


def certificate_chain(transport: Any) -> list[bytes]:
    """DER of each certificate the peer presented, leaf first; empty on plain HTTP."""
    try:
        chain = transport.getHandle().get_peer_cert_chain()
    except AttributeError:
        return []
    if not chain:
        return []
    from cryptography.hazmat.primitives.serialization import Encoding

    return [cert.to_cryptography().public_bytes(Encoding.DER) for cert in chain]


def tls_fields(transport: Any) -> dict[str, str]:
    """The certificate chain of a TLS connection (empty for plain HTTP); the record names them `tls-...`."""
    chain = certificate_chain(transport)
    fields = {f"certificate-{n}": base64.b64encode(der).decode("ascii") for n, der in enumerate(chain)}
    if chain:
        fields["certificate-chain-length"] = str(len(chain))
    return fields


def host_of(host_header: str) -> str:
    return urlsplit(f"//{host_header}").hostname or ""


def dns_fields(host: str) -> dict[str, str]:
    """The DNS question and the answer the crawl used for `host` (a bare host name, no port)."""
    if not host:
        return {}
    with suppress(ValueError):
        ipaddress.ip_address(host)
        return {"dns-lookup": NO_LOOKUP}
    from scrapy.resolver import dnscache

    answer = dnscache.get(host)
    fields = {"dns-query": host}
    if answer is None:
        fields["dns-answer"] = "not known: resolved outside the crawl's resolver cache"
    else:
        fields["dns-answer"] = ", ".join(_addresses(answer))
    return fields


def _addresses(answer: Any) -> list[str]:
    if isinstance(answer, str):
        return [answer]
    if isinstance(answer, Iterable):
        return [str(getattr(address, "host", address)) for address in answer]
    return [str(answer)]


def chain_pem(fields: dict[str, str]) -> list[str]:
    """The certificate chain recorded in a capture's metadata fields, as PEM texts, leaf first."""
    pems = []
    n = 0
    while (body := fields.get(f"{CERTIFICATE_FIELD}{n}")) is not None:
        folded = "\n".join(textwrap.wrap(body, 64))
        pems.append(f"-----BEGIN CERTIFICATE-----\n{folded}\n-----END CERTIFICATE-----\n")
        n += 1
    return pems
