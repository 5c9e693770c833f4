"""A news site that changes between two crawls, as real sites do between visits (issue 4's recrawl tests).

Edition 1 serves five articles. Edition 2, served after `site.state["edition"] = 2`:
- /news/1/ is edited (new title, one paragraph rewritten): a new article version;
- /news/2/ changes only its menu and 'most read' box: a new capture, not a new version;
- /news/3/ is removed (404): its archived version stays retrievable;
- /news/4/ (windows-1256) is byte-identical: a revisit record;
- /news/5/ sends an ETag and answers If-None-Match with 304: a not-modified capture;
- /news/6/ is new.
"""

from __future__ import annotations

import json
from html import escape

from tests.fixtureweb.server import Reply, Request, Site
from tests.fixtureweb.text import article_text

SITE_NAME = "وكالة المرصد الساحلي"
ARTICLES = {1: ("water", 2), 2: ("school", 3), 3: ("market", 4), 4: ("road", 5), 5: ("health", 6), 6: ("water", 8)}
EDITED_TITLE = "تعديل: تأجيل صيانة شبكة المياه في مصراتة إلى الشهر المقبل"
EDITED_PARAGRAPH = "وأكدت البلدية في بيان لاحق أن الأعمال أجلت أسبوعين بسبب تأخر وصول الأنابيب الجديدة إلى المخازن."
ETAG = '"r5-v1"'


def _menu(edition: int, number: int) -> str:
    items = ["الرئيسية", "محلي", "اقتصاد"]
    if edition == 2 and number == 2:
        items += ["رياضة", "منوعات"]  # the menu and sidebar change on this page only
    return "".join(f'<li><a href="/">{escape(item)}</a></li>' for item in items)


def article_fields(number: int, edition: int) -> tuple[str, list[str]]:
    topic, city = ARTICLES[number]
    title, paragraphs = article_text(topic, city, extra=1)
    if number == 1 and edition == 2:
        title, paragraphs = EDITED_TITLE, [*paragraphs[:2], EDITED_PARAGRAPH, *paragraphs[3:]]
    return title, paragraphs


def article_page(number: int, edition: int, site: Site) -> bytes:
    title, paragraphs = article_fields(number, edition)
    iso = f"2026-03-0{number}T1{number}:00:00+02:00"
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": iso,
        "author": {"@type": "Person", "name": "ليلى القماطي"},
    }
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    most_read = "أخبار الطقس" if edition == 2 and number == 2 else "أسعار الوقود"
    charset = "windows-1256" if number == 4 else "utf-8"
    html = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="{charset}">
<title>{escape(title)} | {SITE_NAME}</title><link rel="canonical" href="{site.url(f"/news/{number}/")}">
<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script></head>
<body><nav class="menu"><ul>{_menu(edition, number)}</ul></nav>
<article class="story"><h1>{escape(title)}</h1><div class="story-body">{body}</div></article>
<aside class="most-read"><h3>الأكثر قراءة</h3><a href="/">{escape(most_read)}</a></aside>
<footer>{SITE_NAME}</footer></body></html>"""
    return html.encode(charset)


def current_articles(edition: int) -> list[int]:
    return [1, 2, 4, 5, 6] if edition == 2 else [1, 2, 3, 4, 5]


def revisions_site(host: str = "127.0.0.7") -> Site:
    site = Site("revisions", host)
    site.state["edition"] = 1

    def home(req: Request) -> Reply:
        edition = int(req.site.state["edition"])
        links = "".join(
            f'<li><a href="/news/{n}/">{escape(article_fields(n, edition)[0])}</a></li>'
            for n in current_articles(edition)
        )
        page = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{SITE_NAME}</title></head>
<body><nav class="menu"><ul>{_menu(edition, 0)}</ul></nav><main><ul class="latest">{links}</ul></main></body></html>"""
        return Reply(body=page.encode("utf-8"))

    def news(req: Request) -> Reply:
        edition = int(req.site.state["edition"])
        try:
            number = int(req.path.strip("/").split("/")[1])
        except (IndexError, ValueError):
            return Reply(404, b"<html><body>not found</body></html>")
        if number not in current_articles(edition):
            return Reply(404, "<html><body><h1>الصفحة غير موجودة</h1></body></html>".encode())
        content_type = "text/html; charset=windows-1256" if number == 4 else "text/html; charset=utf-8"
        if number == 5:
            if req.headers.get("if-none-match") == ETAG:
                return Reply(304, b"", content_type=None, headers=[("ETag", ETAG)])
            return Reply(body=article_page(5, edition, req.site), headers=[("ETag", ETAG)])
        return Reply(body=article_page(number, edition, req.site), content_type=content_type)

    site.add("/", home)
    site.add("/robots.txt", Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
    site.add_prefix("/news/", news)
    return site
