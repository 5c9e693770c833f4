"""Network safety: a crawl connects to public addresses only, checked on the address actually connected to (after
DNS, at connect time), so a public name that resolves to loopback, a private network or a cloud metadata service
(DNS rebinding, split DNS) is refused. Addresses a start URL names itself (127.0.0.5, localhost) stay allowed:
that is an operator's explicit choice, and how the tests crawl their fixture web. Link-local addresses
(169.254.0.0/16, fe80::/10: where cloud metadata services answer) are refused even then, unless
ARCHIVER_ALLOW_PRIVATE_ADDRESSES is true."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from archiver.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class AddressRefused(IgnoreRequest):
    """A connection to a non-public address that no start URL names (dropped like an off-site request)."""


def _address(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def kind_of(address: IPAddress) -> str | None:
    """What makes `address` non-public ("loopback", "private", ...), or None for a public address."""
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-public"


def named_addresses(start_urls: Iterable[str]) -> frozenset[str]:
    """Non-public addresses the start URLs name themselves: IP literals, and loopback for `localhost`."""
    named: set[str] = set()
    for url in start_urls:
        host = (urlsplit(url).hostname or "").lower()
        if host in LOOPBACK_NAMES:
            named.add("loopback")
        elif (address := _address(host)) is not None:
            named.add(str(address))
    return frozenset(named)


def refusal(peer: str, named: frozenset[str], allow_private: bool) -> str | None:
    """Why a connection to `peer` must not be used, or None when it may."""
    address = _address(peer)
    if allow_private or address is None:
        return None
    kind = kind_of(address)
    if kind is None:
        return None
    if kind != "link-local" and (str(address) in named or (kind == "loopback" and "loopback" in named)):
        return None
    return f"{address} is a {kind} address; set ARCHIVER_ALLOW_PRIVATE_ADDRESSES=true to crawl it"


def check_start_url(url: str, allow_private: bool) -> None:
    """Refuse (ConfigError, exit 2) a start URL naming a link-local address such as a cloud metadata service."""
    address = _address(urlsplit(url).hostname or "")
    if address is not None and not allow_private and kind_of(address) == "link-local":
        raise ConfigError(
            f"start URL {url!r} refused: {address} is a link-local address (where cloud metadata services "
            "answer); set ARCHIVER_ALLOW_PRIVATE_ADDRESSES=true to crawl it"
        )


def truthy(value: object) -> bool:
    """A boolean setting as Scrapy reads one (True, 'true', '1')."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
