"""A generated news outlet with a long history: hundreds (or, for the benchmark, tens of thousands) of articles
behind numbered listing pages, month archives, a sitemap index with monthly children and a WordPress-style post
API. `OutletShape` switches each way in on or off, so a test can prove one discovery path alone.

Deterministic: article n (0 = newest) is dated `hours_apart * n` hours before NEWEST, its text comes from
tests/fixtureweb/text.py (Arabic by default, every third article in English), its URL is a dated permalink.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from urllib.parse import parse_qsl, urlsplit

from tests.fixtureweb.server import Reply, Request, Site
from tests.fixtureweb.text import TOPICS_AR, TOPICS_EN, article_text

NEWEST = datetime(2025, 11, 28, 9, 0)
EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
AR_TOPICS = list(TOPICS_AR)
EN_TOPICS = list(TOPICS_EN)


@dataclass(frozen=True)
class OutletShape:
    articles: int = 360
    per_page: int = 12
    hours_apart: int = 37
    pagination: bool = True  # home and /page/N/ (or ?page=N) list every article, newest first
    query_pages: bool = False  # ?page=N instead of /page/N/
    numbered_nav: bool = True  # the pagination nav links page numbers (else only the next page)
    date_archives: bool = False  # /YYYY/MM/ month archives, each linking the month before
    sitemap: bool = False  # /sitemap.xml: an index of monthly /sitemap-YYYY-MM.xml children
    api: bool = False  # /wp-json/wp/v2/posts?page=N&per_page=M
    api_link: bool = True  # pages name the API in <link rel="https://api.w.org/"> (else only a probe finds it)
    home_latest: int = 5  # without pagination, the home page shows this many newest articles


class Outlet:
    """The routes of one generated outlet, and what the tests need to know about it."""

    def __init__(self, name: str, host: str, shape: OutletShape) -> None:
        self.shape = shape
        self.site = Site(name, host)
        self.site.add_prefix("/", self.route)
        self.site.state["outlet"] = self
        self.served_articles: list[str] = []  # article paths answered, in order
        self.freeze_after: int | None = None  # stop answering once this many articles were served ...
        self.thawed = threading.Event()  # ... until this is set; requests held meanwhile are dropped, not served
        self._lock = threading.Lock()

    # -- the articles ---------------------------------------------------------------------------------------------
    def when(self, n: int) -> datetime:
        return NEWEST - timedelta(hours=self.shape.hours_apart * n)

    def path(self, n: int) -> str:
        moment = self.when(n)
        return f"/{moment:%Y/%m/%d}/{'report' if n % 3 == 2 else 'khabar'}-{n}/"

    def all_paths(self) -> list[str]:
        return [self.path(n) for n in range(self.shape.articles)]

    def number_of(self, path: str) -> int | None:
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[3].rsplit("-", 1)[-1].isdigit():
            n = int(parts[3].rsplit("-", 1)[-1])
            if n < self.shape.articles and self.path(n) == path:
                return n
        return None

    def older_than(self, day: datetime) -> list[str]:
        return [self.path(n) for n in range(self.shape.articles) if self.when(n) < day]

    # -- serving -------------------------------------------------------------------------------------------------
    def route(self, req: Request) -> Reply:
        parts = urlsplit(req.path)
        path, query = parts.path, dict(parse_qsl(parts.query))
        shape = self.shape
        if path == "/robots.txt":
            lines = "User-agent: *\nAllow: /\n" + (
                "Sitemap: " + self.site.url("/sitemap.xml") + "\n" if shape.sitemap else ""
            )
            return Reply(body=lines.encode(), content_type="text/plain")
        if (n := self.number_of(path)) is not None:
            return self._article(n)
        if path == "/" and not (shape.pagination and "page" in query):
            return self._listing(1) if shape.pagination else self._home()
        if shape.pagination and shape.query_pages and path == "/" and query.get("page", "").isdigit():
            return self._listing(int(query["page"]))
        if shape.pagination and not shape.query_pages and path.startswith("/page/"):
            number = path.strip("/").split("/")[-1]
            return self._listing(int(number)) if number.isdigit() else _missing()
        if shape.date_archives and _is_month(path):
            year, month = (int(x) for x in path.strip("/").split("/"))
            return self._month(year, month)
        if shape.sitemap and path == "/sitemap.xml":
            return self._sitemap_index()
        if shape.sitemap and path.startswith("/sitemap-") and path.endswith(".xml"):
            return self._sitemap_month(path.removeprefix("/sitemap-").removesuffix(".xml"))
        if shape.api and path == "/wp-json/wp/v2/posts":
            return self._api(query)
        return _missing()

    def _head(self, title: str, extra: str = "") -> str:
        api = '<link rel="https://api.w.org/" href="/wp-json/">' if self.shape.api and self.shape.api_link else ""
        return f'<head><meta charset="utf-8"><title>{escape(title)}</title>{api}{extra}</head>'

    def _article(self, n: int) -> Reply:
        with self._lock:
            if self.freeze_after is not None and len(self.served_articles) >= self.freeze_after:
                held = True
            else:
                held = False
                self.served_articles.append(self.path(n))
        if held:  # the crawler is being killed: this request is never answered
            self.thawed.wait(120)
            return Reply(503, b"", close=True)
        english = n % 3 == 2
        topics = EN_TOPICS if english else AR_TOPICS
        title, paragraphs = article_text(topics[n % len(topics)], n, english=english, extra=2)
        title = f"{title} ({n})"
        moment = self.when(n).strftime("%Y-%m-%dT%H:%M:00+02:00")
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": moment}
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        lang = 'lang="en"' if english else 'lang="ar" dir="rtl"'
        html = (
            f"<!DOCTYPE html><html {lang}>{self._head(title)}"
            f'<body><nav><a href="/">{"Home" if english else "الرئيسية"}</a></nav><article><h1>{escape(title)}</h1>'
            f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
            f'<time datetime="{moment}">{moment[:10]}</time><div class="entry-content">{body}</div></article>'
            "</body></html>"
        )
        return Reply(body=html.encode())

    def _items(self, numbers: range | list[int]) -> str:
        return "".join(
            f'<li><a href="{self.path(n)}">خبر رقم {str(n).translate(EASTERN)}</a> '
            f'<time datetime="{self.when(n):%Y-%m-%d}">{self.when(n):%Y-%m-%d}</time></li>'
            for n in numbers
        )

    def pages(self) -> int:
        return (self.shape.articles + self.shape.per_page - 1) // self.shape.per_page

    def page_url(self, number: int) -> str:
        if number == 1:
            return "/"
        return f"/?page={number}" if self.shape.query_pages else f"/page/{number}/"

    def _listing(self, number: int) -> Reply:
        last = self.pages()
        if not 1 <= number <= last:
            return _missing()
        per = self.shape.per_page
        items = self._items(range((number - 1) * per, min(number * per, self.shape.articles)))
        nav = []
        if self.shape.numbered_nav:  # the first, two either side, the last; else only "next"
            nav.append(f'<a class="page-numbers" href="{self.page_url(1)}">١</a>')
            for other in range(max(2, number - 2), min(last, number + 2) + 1):
                if other != number:
                    label = str(other).translate(EASTERN)
                    nav.append(f'<a class="page-numbers" href="{self.page_url(other)}">{label}</a>')
            nav.append(f'<a class="page-numbers" href="{self.page_url(last)}">{str(last).translate(EASTERN)}</a>')
        if number < last:
            nav.append(f'<a class="next page-numbers" href="{self.page_url(number + 1)}">الصفحة التالية</a>')
        head_next = f'<link rel="next" href="{self.page_url(number + 1)}">' if number < last else ""
        header = f'<header><a href="/">الرئيسية</a>{self._month_link()}</header>'
        return self._page(
            "آخر الأخبار",
            f'{header}<ul class="posts">{items}</ul><nav class="pagination">{"".join(nav)}</nav>',
            head_next,
        )

    def _page(self, title: str, body: str, head_extra: str = "") -> Reply:
        """An Arabic (RTL) HTML page."""
        html = f'<!DOCTYPE html><html lang="ar" dir="rtl">{self._head(title, head_extra)}<body>{body}</body></html>'
        return Reply(body=html.encode())

    def _month_link(self) -> str:
        if not self.shape.date_archives:
            return ""
        return f' <a href="/{NEWEST:%Y/%m}/">أرشيف {NEWEST:%m/%Y}</a>'

    def _home(self) -> Reply:
        items = self._items(range(min(self.shape.home_latest, self.shape.articles)))
        header = f'<header><a href="/">الرئيسية</a>{self._month_link()}</header>'
        return self._page("آخر الأخبار", f'{header}<ul class="posts">{items}</ul>')

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month with articles, newest first."""
        seen: list[tuple[int, int]] = []
        for n in range(self.shape.articles):
            key = (self.when(n).year, self.when(n).month)
            if not seen or seen[-1] != key:
                seen.append(key)
        return seen

    def _in_month(self, year: int, month: int) -> list[int]:
        return [n for n in range(self.shape.articles) if (self.when(n).year, self.when(n).month) == (year, month)]

    def _month(self, year: int, month: int) -> Reply:
        months = self.months()
        if (year, month) not in months:
            return _missing()
        index = months.index((year, month))
        before = months[index + 1] if index + 1 < len(months) else None
        previous = f'<a href="/{before[0]}/{before[1]:02d}/">الشهر السابق</a>' if before else ""
        heading = f"<h1>أرشيف {str(month).translate(EASTERN)}/{str(year).translate(EASTERN)}</h1>"
        items = self._items(self._in_month(year, month))
        return self._page(f"أرشيف {month}/{year}", f'{heading}<ul class="posts">{items}</ul>{previous}')

    def _sitemap_index(self) -> Reply:
        entries = "".join(
            f"<sitemap><loc>{self.site.url(f'/sitemap-{y}-{m:02d}.xml')}</loc>"
            f"<lastmod>{self.when(self._in_month(y, m)[0]):%Y-%m-%dT%H:%M:00+02:00}</lastmod></sitemap>"
            for y, m in self.months()
        )
        xml = f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
        return Reply(body=xml.encode(), content_type="application/xml")

    def _sitemap_month(self, name: str) -> Reply:
        try:
            year, month = (int(x) for x in name.split("-"))
        except ValueError:
            return _missing()
        entries = "".join(
            f"<url><loc>{self.site.url(self.path(n))}</loc><lastmod>{self.when(n):%Y-%m-%dT%H:%M:00+02:00}</lastmod></url>"
            for n in self._in_month(year, month)
        )
        if not entries:
            return _missing()
        xml = f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
        return Reply(body=xml.encode(), content_type="application/xml")

    def _api(self, query: dict[str, str]) -> Reply:
        per = min(int(query.get("per_page", "10") or 10), 100)
        page = int(query.get("page", "1") or 1)
        total = self.shape.articles
        pages = (total + per - 1) // per
        if page < 1 or page > pages:
            error = {
                "code": "rest_post_invalid_page_number",
                "message": "The page number requested is larger than the number of pages available.",
                "data": {"status": 400},
            }
            return Reply(400, json.dumps(error).encode(), content_type="application/json; charset=UTF-8")
        posts = [
            {
                "id": 1000 + n,
                "date": self.when(n).strftime("%Y-%m-%dT%H:%M:00"),
                "link": self.site.url(self.path(n)),
                "title": {"rendered": f"خبر {n}"},
            }
            for n in range((page - 1) * per, min(page * per, total))
        ]
        headers = [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
        return Reply(
            body=json.dumps(posts, ensure_ascii=False).encode(),
            content_type="application/json; charset=UTF-8",
            headers=headers,
        )


def _is_month(path: str) -> bool:
    parts = path.strip("/").split("/")
    return len(parts) == 2 and all(p.isdigit() for p in parts) and path.endswith("/")


def _missing() -> Reply:
    return Reply(404, b"<html><body><h1>404</h1></body></html>")


def outlet_site(name: str, host: str, shape: OutletShape) -> Outlet:
    return Outlet(name, host, shape)
