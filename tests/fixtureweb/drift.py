"""Sites whose markup or reach changes between crawls, for `archiver health` and `archiver sites check`.

`drift_site`: an outlet that redesigns between two crawls. Edition 1 (the markup its profile was written for)
puts the headline in h2.story-title, the text in div.story-text and the tags in ul.story-tags; edition 2 (after
`site.state["edition"] = 2`) publishes new articles in div.article-body with tags in div.labels, so the profile's
selectors stop matching although the generic layers still find a body.

`steady_site`: an outlet crawled incrementally: `site.state["articles"]` articles are listed (more each crawl),
and `site.state["robots"]` is the status its robots.txt answers (503: nothing may be crawled, RFC 9309).
"""

from __future__ import annotations

import json
from html import escape

from tests.fixtureweb.server import Reply, Request, Site
from tests.fixtureweb.text import article_text

TOPICS = ["water", "school", "market", "road", "health"]
DRIFT_PROFILE = """id = "drift-fixture"
name = "موقع الانجراف (fixture)"
language = "ar"
domains = ["{host}"]
start_urls = ["http://{host}/"]

[selectors]
title = "h2.story-title"
body = "div.story-text"
tags = "ul.story-tags a"
"""


def _page(title: str, inner: str) -> bytes:
    return f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{escape(title)} - موقع</title>
</head><body><nav><a href="/">الرئيسية</a></nav>{inner}<footer>جميع الحقوق محفوظة</footer></body></html>""".encode()


def _drift_article(number: int) -> bytes:
    title, paragraphs = article_text(TOPICS[number % len(TOPICS)], number, extra=1)
    text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    tags = ["محلي", f"مدينة {number}"]
    date = f'<time datetime="2026-05-0{number}T10:00:00+02:00">0{number}/05/2026</time>'
    if number <= 4:  # edition 1 markup
        tag_list = "".join(f"<li><a href='/tag/{i}'>{escape(t)}</a></li>" for i, t in enumerate(tags))
        inner = (
            f'<div class="story"><h2 class="story-title">{escape(title)}</h2>{date}'
            f'<div class="story-text">{text}</div><ul class="story-tags">{tag_list}</ul></div>'
        )
    else:  # edition 2: the redesign
        tag_list = "".join(f"<a href='/tag/{i}'>{escape(t)}</a>" for i, t in enumerate(tags))
        inner = (
            f'<article class="post"><h1 class="post-title">{escape(title)}</h1>{date}'
            f'<div class="article-body">{text}</div><div class="labels">{tag_list}</div></article>'
        )
    return _page(title, inner)


def drift_site(host: str = "127.0.0.24") -> Site:
    site = Site("drift", host)
    site.state["edition"] = 1

    def listed(req: Request) -> list[int]:
        return [1, 2, 3, 4] if req.site.state["edition"] == 1 else [1, 2, 3, 4, 5, 6, 7, 8]

    def home(req: Request) -> Reply:
        links = "".join(f'<li><a href="/news/{n}/">خبر رقم {n}</a></li>' for n in listed(req))
        return Reply(body=_page("الرئيسية", f"<main><ul>{links}</ul></main>"))

    def news(req: Request) -> Reply:
        number = int(req.path.strip("/").split("/")[1])
        if number not in listed(req):
            return Reply(404, b"<html><body>not found</body></html>")
        return Reply(body=_drift_article(number))

    site.add("/", home)
    site.add("/robots.txt", Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
    site.add_prefix("/news/", news)
    return site


def steady_site(host: str = "127.0.0.25") -> Site:
    site = Site("steady", host)
    site.state.update(articles=6, robots=200)

    def home(req: Request) -> Reply:
        count = int(req.site.state["articles"])
        links = "".join(f'<li><a href="/story/{n}/">خبر رقم {n}</a></li>' for n in range(count, 0, -1))
        return Reply(body=_page("الرئيسية", f"<main><ul>{links}</ul></main>"))

    def story(req: Request) -> Reply:
        number = int(req.path.strip("/").split("/")[1])
        title, paragraphs = article_text(TOPICS[number % len(TOPICS)], number, extra=1)
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": f"2026-06-{number:02d}T09:00:00+02:00",
            "author": {"@type": "Person", "name": "سالم الورفلي"},
        }
        text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        inner = (
            f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
            f"<article><h1>{escape(title)}</h1>{text}</article>"
        )
        return Reply(body=_page(title, inner))

    def robots(req: Request) -> Reply:
        status = int(req.site.state["robots"])
        return Reply(status, b"User-agent: *\nAllow: /\n" if status == 200 else b"busy", content_type="text/plain")

    site.add("/", home)
    site.add("/robots.txt", robots)
    site.add_prefix("/story/", story)
    return site
