"""Extraction layers on small pages: relative dates against the capture time, aggregator source lines, titles."""

from __future__ import annotations

from archiver import extract

FILLER = "<p>" + "نص الخبر الكامل كما نشر في الموقع " * 8 + "</p>"


def _page(inner: str, head: str = "") -> bytes:
    return f'<html lang="ar"><head><meta charset="utf-8">{head}</head><body>{inner}</body></html>'.encode()


def test_relative_date_counts_back_from_the_server_date_in_libya_time() -> None:
    body = _page(f'<article><h1>عنوان الخبر هنا</h1><span class="date">منذ ساعتين</span>{FILLER}</article>')
    article = extract(body, "http://x.ly/news/123", {"Date": "Sun, 29 Nov 2026 10:00:00 GMT"})
    assert article["published_at"] == "2026-11-29T10:00:00+02:00"
    assert extract(body, "http://x.ly/news/123")["published_at"] is None  # no capture time, no guess


def test_linked_source_line_becomes_original_source_and_leaves_the_body() -> None:
    body = _page(
        '<div class="entry-content"><p>مصدر الخبر / <a href="https://alwasat.ly/news/libya/1">بوابة الوسط</a></p>'
        f"{FILLER}<p>يمكنك ايضا قراءة الخبر في المصدر من بوابة الوسط</p><h4>عن مصدر الخبر</h4><p>بوابة الوسط</p></div>",
        "<title>خبر منقول - ليبيا الان</title>",
    )
    article = extract(body, "https://libyaakhbar.com/libya-news/1239964.html")
    assert article["original_source"] == {"name": "بوابة الوسط", "url": "https://alwasat.ly/news/libya/1"}
    assert "مصدر الخبر" not in article["body"] and "يمكنك ايضا" not in article["body"]
    assert "عن مصدر الخبر" not in article["body"] and article["body"].endswith("الموقع")


def test_rss_footer_names_the_source_when_there_is_no_link() -> None:
    body = _page(
        f'<div class="entry-content">{FILLER}<p>The post عنوان الخبر first appeared on صحيفة المرصد الليبية.</p></div>'
    )
    article = extract(body, "https://libyaakhbar.com/libya-news/2.html")
    assert article["original_source"] == {"name": "صحيفة المرصد الليبية", "url": None}
    assert "first appeared" not in article["body"]


def test_title_loses_the_site_name_before_or_after() -> None:
    for title in (
        "صحيفة الوادي :: ارتفاع أسعار الخضروات في الأسواق",
        "ارتفاع أسعار الخضروات في الأسواق | صحيفة الوادي",
    ):
        article = extract(_page(FILLER, f"<title>{title}</title>"), "http://x.ly/news.php?id=1")
        assert article["title"] == "ارتفاع أسعار الخضروات في الأسواق"


def test_organisation_author_in_json_ld_is_not_an_author() -> None:
    ld = '{"@type":"NewsArticle","headline":"خبر","author":{"@type":"Organization","name":"الوكالة"}}'
    body = _page(FILLER, f'<script type="application/ld+json">{ld}</script>')
    assert extract(body, "http://x.ly/news/1")["authors"] == []
