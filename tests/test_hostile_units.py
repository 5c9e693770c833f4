"""The bounds against hostile input, one function at a time: bounded inflation, link resolution, nesting depth,
the address policy. tests/test_hostile.py drives the same code through whole crawls."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import pytest

from archiver import extract
from archiver.bounded import decode_body, inflate
from archiver.crawl.discovery.limits import limit_lines
from archiver.crawl.discovery.links import LinkLimits, resolve_link
from archiver.crawl.politeness.netsafety import check_start_url, named_addresses, refusal
from archiver.errors import ConfigError
from archiver.extraction.jsonld import nesting_depth
from tests.hostile.server import _bomb, article, deep_jsonld

MIB = 1024 * 1024


def test_inflate_stops_at_the_limit() -> None:
    bomb = _bomb(b"<urlset>", 64 * MIB)
    assert len(bomb) < 100_000
    result = inflate(bomb, MIB)
    assert result.truncated and len(result.data) == MIB and result.data.startswith(b"<urlset>")
    assert "limit of 1048576 bytes" in (result.note or "")


def test_inflate_is_gzip_decompress_under_the_limit() -> None:
    text = "خبر عاجل من طرابلس ".encode() * 500
    assert inflate(gzip.compress(text), MIB).data == text
    two = inflate(gzip.compress(text) + gzip.compress(b"second member"), MIB)
    assert two.data == text + b"second member" and not two.truncated
    assert inflate(zlib.compress(text), MIB, "deflate").data == text
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    assert inflate(raw.compress(text) + raw.flush(), MIB, "deflate").data == text


def test_inflate_never_raises_on_broken_data() -> None:
    cut = inflate(gzip.compress(b"x" * 10_000)[:-30], MIB)
    assert cut.truncated and "ends early" in (cut.note or "")
    garbage = inflate(b"\x1f\x8b this is not gzip", MIB)
    assert garbage.truncated and garbage.data == b"" and "corrupt" in (garbage.note or "")


def test_decode_body_undoes_chunking_and_coding_with_a_cap() -> None:
    html = "<html><body>صفحة</body></html>".encode()
    packed = gzip.compress(html)
    chunked = f"{len(packed):x}\r\n".encode() + packed + b"\r\n0\r\n\r\n"
    headers = {"Transfer-Encoding": "chunked", "Content-Encoding": "gzip"}
    assert decode_body(chunked, headers, MIB).data == html
    capped = decode_body(packed, {"content-encoding": "gzip"}, 10)
    assert capped.truncated and capped.data == html[:10]
    unknown = decode_body(b"abc", {"Content-Encoding": "zstd"}, MIB)
    assert unknown.data == b"abc" and "'zstd' left as is" in (unknown.note or "")


def test_malformed_links_resolve_to_none() -> None:
    base = "http://127.0.0.5/news/1/"
    assert resolve_link(base, "http://[::1") is None
    assert resolve_link(base, "http://127.0.0.5:99999/x") is None
    assert resolve_link(base, "http://127.0.0.5:port/x") is None
    assert resolve_link(base, "../2/") == "http://127.0.0.5/news/2/"
    assert resolve_link(base, "/الأخبار/") == "http://127.0.0.5/الأخبار/"


def test_link_limits_count_followed_links_and_name_the_page() -> None:
    limits = LinkLimits(3)
    assert [n for n in range(10) if limits.allows(n)] == [0, 1, 2]
    limits.capped("http://a/many", 10)
    limits.malformed = 2
    lines = limit_lines({**limits.as_dict(), "headers_over_limit": 0})
    assert lines == ["link limit: http://a/many offered 10 links, 3 followed", "malformed links skipped: 2"]


def test_json_ld_nested_1000_deep_gives_the_article_without_raising() -> None:
    assert nesting_depth(deep_jsonld(1000)) == 1001
    assert nesting_depth('{"a": "[[[[ not nesting ]]]]", "b": [1, {"c": "\\"]"}]}') == 3
    page = article(7, jsonld=deep_jsonld(1000))
    result = extract(page, "http://127.0.0.5/news/7/")
    assert result["title"] and len(result["body"].split()) > 60
    graph = json.dumps({"@graph": [{"@type": "NewsArticle", "headline": "h", "author": "[" * 5000}]})
    assert extract(article(8, jsonld=graph), "http://127.0.0.5/news/8/")["title"]


@pytest.mark.parametrize("depth", [300, 3000, 20_000])
def test_html_deeper_than_libxml2_allows_still_gives_the_article(depth: int) -> None:
    page = article(9, wrap=depth, links=("/news/10/",))
    result = extract(page, "http://127.0.0.5/news/9/")
    assert len(result["body"].split()) > 60, depth
    from archiver.extraction.page import parse_page

    anchors = parse_page(page, "http://127.0.0.5/news/9/").tree.xpath("//a/@href")
    assert "/news/10/" in anchors


@pytest.mark.parametrize(
    ("peer", "named", "refused_as"),
    [
        ("8.8.8.8", set(), None),
        ("2001:4860:4860::8888", set(), None),
        ("127.0.0.5", {"127.0.0.5"}, None),
        ("127.0.0.6", {"127.0.0.5"}, "loopback"),
        ("127.0.0.6", {"loopback"}, None),  # a start URL named localhost
        ("::1", set(), "loopback"),
        ("::ffff:127.0.0.1", set(), "loopback"),
        ("10.1.2.3", set(), "private"),
        ("192.168.1.1", set(), "private"),
        ("172.16.0.1", set(), "private"),
        ("100.64.0.1", set(), "non-public"),
        ("169.254.169.254", {"169.254.169.254"}, "link-local"),  # metadata services: refused even when named
        ("fe80::1", set(), "link-local"),
        ("0.0.0.0", set(), "unspecified"),
        ("224.0.0.1", set(), "multicast"),
    ],
)
def test_address_policy(peer: str, named: set[str], refused_as: str | None) -> None:
    reason = refusal(peer, frozenset(named), allow_private=False)
    if refused_as is None:
        assert reason is None
    else:
        assert reason is not None and f"a {refused_as} address" in reason
        assert "ARCHIVER_ALLOW_PRIVATE_ADDRESSES" in reason
    assert refusal(peer, frozenset(), allow_private=True) is None


def test_named_addresses_and_start_url_check() -> None:
    urls = ["http://127.0.0.5:8080/", "http://localhost/", "https://[::1]/", "https://www.libyaherald.com/"]
    assert named_addresses(urls) == {"127.0.0.5", "loopback", "::1"}
    for url in ("http://169.254.169.254/", "http://[fe80::1]/"):
        with pytest.raises(ConfigError, match="link-local"):
            check_start_url(url, allow_private=False)
        check_start_url(url, allow_private=True)
    check_start_url("http://127.0.0.5/", allow_private=False)


def _tap(max_bytes: int, max_count: int) -> Any:
    from archiver.crawl.capture.wiretap import HeaderLimits, _TappingProtocol

    protocol = _TappingProtocol(lambda p: None)  # type: ignore[no-untyped-call]
    protocol._limits = HeaderLimits(max_bytes, max_count)
    protocol._head_done = False
    return protocol


def _feed(protocol: Any, *chunks: bytes) -> str | None:
    received = bytearray()
    for chunk in chunks:
        received += chunk
        reason = protocol._header_overflow(received)
        if reason is not None:
            return str(reason)
    return None


def test_header_limits_count_bytes_and_lines_across_reads() -> None:
    head = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n" + b"body " * 1000
    assert _feed(_tap(100, 5), head[:7], head[7:19], head[19:]) is None  # the body never counts
    many = b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 10
    reason = _feed(_tap(10_000, 5), many[:30], many[30:])
    assert reason is not None and "ARCHIVER_HEADER_MAX_COUNT (5)" in reason
    endless = [b"HTTP/1.1 200 OK\r\n"] + [b"X-Long: " + b"a" * 40] * 10  # one line that never ends
    reason = _feed(_tap(200, 500), *endless)
    assert reason is not None and "ARCHIVER_HEADER_MAX_BYTES (200 bytes)" in reason
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" * 3 + b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n"
    assert _feed(_tap(10_000, 9), interim) is None  # lines counted with the status and blank lines: 3 x 2 + 3
    reason = _feed(_tap(10_000, 8), interim)  # interim heads share the final head's budget
    assert reason is not None and "MAX_COUNT" in reason
