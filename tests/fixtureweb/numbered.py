"""A plain numbered-article site (`/` links to `/news/N/`), for tests that need many pages, some of them slow."""

from __future__ import annotations

import time
from html import escape

from tests.fixtureweb.server import Reply, Request, Route, Site
from tests.fixtureweb.text import article_text

TOPICS = ["water", "school", "market", "road", "health"]


def article_number(req: Request) -> int:
    return int(req.path.rsplit("/", 2)[-2])


def numbered_article(number: int, *, number_in_title: bool = False) -> Reply:
    title, paragraphs = article_text(TOPICS[number % 5], number, extra=2)
    if number_in_title:  # distinct titles, when the text generator repeats a topic's
        title = f"{title} {number}"
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = (
        f'<html lang="ar"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta property="og:type" content="article"><meta property="article:published_time" content="2024-01-{number % 28 + 1:02d}T10:00:00+02:00">'
        f'</head><body><article><h1>{escape(title)}</h1><div class="entry-content">{body}</div></article></body></html>'
    )
    return Reply(body=html.encode())


def numbered_site(name: str, host: str, count: int, article: Route) -> Site:
    site = Site(name, host)
    links = "".join(f'<a href="/news/{n}/">{n}</a> ' for n in range(count))
    site.add("/", Reply(body=f"<html><body>{links}</body></html>".encode()))
    site.add_prefix("/news/", article)
    return site


def slow_site(host: str, count: int = 40, delay: float = 0.15) -> Site:
    def article(req: Request) -> Reply:
        time.sleep(delay)
        return numbered_article(article_number(req))

    return numbered_site("slow", host, count, article)
