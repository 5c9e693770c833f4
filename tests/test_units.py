"""Small named pieces: URL normalisation, trap guard, Retry-After, RFC 9309 status answers, raw HTTP parsing."""

from __future__ import annotations

import pytest

from archiver.crawl.politeness.delays import parse_retry_after
from archiver.crawl.politeness.robots import robots_status_answer
from archiver.urls import TrapGuard, normalize_url, origin_of
from archiver.warc.http import dechunk, skip_interim, split_message


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("HTTP://Example.LY:80/a/b/?utm_source=x&b=2&a=1#frag", "http://example.ly/a/b?a=1&b=2"),
        ("https://libyaobserver.ly/news?qt-libya_weather=0&qt-sidebar_tabs=1", "https://libyaobserver.ly/news"),
        ("https://marsad.ly/en/x/?doing_wp_cron=1624339123.17", "https://marsad.ly/en/x"),
        ("https://lj-bc.tv/2021/02/90978.html/amp", "https://lj-bc.tv/2021/02/90978.html"),
        (
            "https://almarsad.co/category/%d9%85%d8%ad%d9%84%d9%8a/",
            "https://almarsad.co/category/%D9%85%D8%AD%D9%84%D9%8A",
        ),
        ("https://almarsad.co/category/محلي/", "https://almarsad.co/category/%D9%85%D8%AD%D9%84%D9%8A"),
        ("http://127.0.0.2:8080//x", "http://127.0.0.2:8080/x"),
    ],
)
def test_normalize_url(url: str, normal: str) -> None:
    assert normalize_url(url) == normal


def test_origin_ignores_scheme_but_keeps_port() -> None:
    assert origin_of("http://a.ly/x") == origin_of("https://a.ly:80/y") == "a.ly:80"
    assert origin_of("https://a.ly/") == "a.ly:443"
    assert origin_of("http://127.0.0.2:9000/") != origin_of("http://127.0.0.2:9001/")


def test_trap_guard_bounds_calendars_query_variants_and_loops() -> None:
    guard = TrapGuard()
    months = [f"https://x.ly/calendar/{2000 + m // 12}/{m % 12 + 1}/" for m in range(100)]
    assert sum(guard.allow(u) for u in months) == 24
    sorts = [f"https://x.ly/news?sort={n}" for n in range(100)]
    assert sum(guard.allow(u) for u in sorts) == 20
    assert not guard.allow("https://x.ly/a/b/a/b/a/b/")
    assert not guard.allow("https://x.ly/" + "y" * 500)
    articles = [f"https://x.ly/news/libya/{n}" for n in range(1000)]
    assert all(guard.allow(u) for u in articles)  # numeric article ids are not a trap
    assert set(guard.rejected) == {"calendar", "query-variants", "repeated-segments", "url-too-long"}


def test_retry_after_forms() -> None:
    assert parse_retry_after("120", now=0) == 120
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:30 GMT", now=10) == pytest.approx(20)
    assert parse_retry_after("soon", now=0) is None
    assert parse_retry_after(None, now=0) is None


@pytest.mark.parametrize(
    ("status", "answer"), [(200, None), (404, True), (401, True), (429, False), (500, False), (503, False)]
)
def test_robots_status_answers_follow_rfc_9309(status: int, answer: bool | None) -> None:
    assert robots_status_answer(status) is answer


def test_raw_http_parsing() -> None:
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n"
    message = split_message(skip_interim(raw))
    assert message.start_line == "HTTP/1.1 200 OK"
    assert [v for n, v in message.headers() if n.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert message.is_chunked and message.entity() == b"abcde"
    assert dechunk(b"5\r\nabc") == b"abc"  # a cut-off chunk gives what arrived
