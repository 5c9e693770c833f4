"""Feeds and WordPress's post API read from their bytes (archiver/crawl/discovery/feeds.py): no crawl needed."""

from __future__ import annotations

import json

from archiver.crawl.discovery.feeds import Listed, api_posts, day_of, feed_entries, parse_feed_date, with_page

RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>أخبار</title>
<item><title>افتتاح طريق الساحل</title><link> https://example.ly/news/2024/05/road </link>
<pubDate>Tue, 14 May 2024 09:30:00 +0200</pubDate></item>
<item><title>بلا رابط</title></item></channel></rss>""".encode()
ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Port reopens</title>
<link rel="alternate" href="/en/port-reopens"/><link rel="enclosure" href="/img/port.jpg"/>
<updated>2024-05-15T08:00:00Z</updated></entry></feed>"""


def test_rss_and_atom_entries_with_their_dates() -> None:
    assert feed_entries(RSS) == [Listed("https://example.ly/news/2024/05/road", "Tue, 14 May 2024 09:30:00 +0200")]
    assert feed_entries(ATOM) == [Listed("/en/port-reopens", "2024-05-15T08:00:00Z")]  # enclosures are no articles
    assert feed_entries(b"not xml at all") is None
    # An entity bomb or an external entity is never expanded or fetched.
    hostile = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><item><link>&x;</link></item></rss>'
    assert all("root:" not in entry.link for entry in feed_entries(hostile) or [])


def test_post_api_pages_and_their_successors() -> None:
    page = json.dumps([
        {"link": "https://example.ly/?p=7", "date_gmt": "2019-05-14T07:00:00", "date": "2019-05-14T09:00:00"},
        {"link": "https://example.ly/?p=6", "date": "2019-05-13T09:00:00"},
        {"title": "no link"},
        "not a post",
    ]).encode()  # fmt: skip
    assert api_posts(page) == [
        Listed("https://example.ly/?p=7", "2019-05-14T07:00:00"),
        Listed("https://example.ly/?p=6", "2019-05-13T09:00:00"),
    ]
    past_the_end = b'{"code": "rest_post_invalid_page_number", "data": {"status": 400}}'
    assert api_posts(past_the_end) == [] and api_posts(b"[]") == [] and api_posts(b"<html>") == []
    assert with_page("https://example.ly/wp-json/wp/v2/posts?per_page=100&page=3", 4) == (
        "https://example.ly/wp-json/wp/v2/posts?per_page=100&page=4"
    )
    assert with_page("https://example.ly/wp-json/wp/v2/posts", 2).endswith("/posts?page=2")


def test_dates_as_sitemaps_feeds_and_the_api_write_them() -> None:
    assert parse_feed_date("2024-05-14") is not None and parse_feed_date("Tue, 14 May 2024 09:30:00 +0200")
    assert parse_feed_date("الثلاثاء ١٤ مايو") is None
    assert str(day_of("2019-05-14T07:00:00")) == "2019-05-14" and day_of("May 2019") is None
