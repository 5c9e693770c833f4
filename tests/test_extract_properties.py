"""`extract` never raises on arbitrary bytes or HTML and returns within a bound on pathological pages."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver import extract
from archiver.extraction.article import ARTICLE_FIELDS

SPEC_FIELDS = set(ARTICLE_FIELDS)
TAGS = ["p", "div", "article", "h1", "time", "a", "script", "table", "td", "br", "meta", "title", "span", "li"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(body: bytes) -> None:
    article = extract(body, "http://example.ly/news/1")
    assert set(article) >= SPEC_FIELDS


@st.composite
def html_soup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(st.sampled_from(TAGS))
        attrs = draw(
            st.sampled_from(
                [
                    "",
                    ' class="entry-content"',
                    ' datetime="2024-13-45"',
                    ' lang="ar"',
                    ' property="og:title" content="x"',
                ]
            )
        )
        text = draw(st.text(alphabet=st.sampled_from(list("abc ليبيا١٢٣<>&\"'/=\n")), max_size=30))
        parts.append(
            draw(
                st.sampled_from(
                    [
                        f"<{tag}{attrs}>",
                        f"</{tag}>",
                        text,
                        '<script type="application/ld+json">{"@type":"NewsArticle","headline":',
                        "<!--",
                        "]]>",
                    ]
                )
            )
        )
    return "".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup(), st.sampled_from(["utf-8", "cp1256", "utf-16"]))
def test_arbitrary_html(markup: str, encoding: str) -> None:
    article = extract(
        markup.encode(encoding, errors="replace"),
        "http://example.ly/2024/01/01/x/",
        {"Content-Type": f"text/html; charset={encoding}"},
    )
    assert set(article) >= SPEC_FIELDS
    assert isinstance(article["body"], str)


@pytest.mark.timeout(60)
def test_a_10mb_page_returns() -> None:
    paragraph = "<p>" + "كلمة " * 200 + "</p>\n"
    body = (
        "<html><body><article><h1>عنوان</h1>"
        + paragraph * (10_000_000 // len(paragraph.encode()))
        + "</article></body></html>"
    ).encode()
    assert len(body) >= 9_000_000
    article = extract(body, "http://example.ly/news/1")
    assert article["title"] == "عنوان"


@pytest.mark.timeout(60)
def test_10000_deep_nesting_returns() -> None:
    body = ("<html><body>" + "<div>" * 10_000 + "<p>نص عميق جدا</p>" + "</div>" * 10_000 + "</body></html>").encode()
    article = extract(body, "http://example.ly/news/1")
    assert set(article) >= SPEC_FIELDS


@pytest.mark.timeout(60)
def test_many_links_and_paragraphs_return() -> None:
    body = ("<html><body>" + "<ul>" + "<li><a href='/x'>رابط</a></li>" * 50_000 + "</ul></body></html>").encode()
    assert set(extract(body, "http://example.ly/")) >= SPEC_FIELDS
