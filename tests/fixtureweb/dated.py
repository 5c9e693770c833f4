"""A small outlet whose articles spread over several months, with a month missing, for `archiver coverage`.

Arabic and English articles dated from October 2025 to February 2026 (December 2025 has none: a gap), one Arabic
article whose page names no date, and Eastern Arabic digits in the visible dates. After
`site.state["edition"] = 2` (crawled with `--recrawl`) the English article of October 2025 is re-dated to
February 2026 and its title edited: a new version, so coverage counts it in February, by its newest version.
"""

from __future__ import annotations

import json
from html import escape

from tests.fixtureweb.server import Reply, Request, Site
from tests.fixtureweb.text import article_text

NAME = "مرصد الشرق"
EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# path, topic, city, english, publication time (None: the page names no date)
ARTICLES = [
    ("/ar/water-derna/", "water", 5, False, "2025-11-03T09:15:00+02:00"),
    ("/ar/school-sabha/", "school", 3, False, "2025-11-20T11:40:00+02:00"),
    ("/ar/market-zawiya/", "market", 4, False, "2026-01-05T08:00:00+02:00"),
    ("/ar/road-gharyan/", "road", 6, False, "2026-02-14T17:30:00+02:00"),
    ("/ar/health-zuwara/", "health", 7, False, None),
    ("/en/port-tobruk/", "port", 9, True, "2026-02-01T10:00:00+02:00"),
    ("/en/power-bayda/", "power", 8, True, "2025-10-30T21:05:00+02:00"),
]
REDATED = ("/en/power-bayda/", "2026-02-20T07:45:00+02:00", "Update: ")


def _fields(path: str, edition: int) -> tuple[str, list[str], str | None]:
    _, topic, city, english, published = next(a for a in ARTICLES if a[0] == path)
    title, paragraphs = article_text(topic, city, english=english, extra=1)
    if edition == 2 and path == REDATED[0]:
        return REDATED[2] + title, paragraphs, REDATED[1]
    return title, paragraphs, published


def _article(path: str, edition: int) -> bytes:
    english = path.startswith("/en/")
    title, paragraphs, published = _fields(path, edition)
    data: dict[str, object] = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title}
    shown = ""
    if published:
        data["datePublished"] = published
        day = published[:10]
        shown = f"<time>{escape(day if english else day.translate(EASTERN))}</time>"
    lang, direction = ("en", "ltr") if english else ("ar", "rtl")
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">
<title>{escape(title)} | {NAME}</title>
<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script></head>
<body><nav><a href="/">{NAME}</a></nav><article><h1>{escape(title)}</h1>{shown}
<div class="story-body">{body}</div></article><footer>{NAME}</footer></body></html>""".encode()


def dated_site(host: str = "127.0.0.71") -> Site:
    site = Site("dated", host)
    site.state["edition"] = 1

    def home(req: Request) -> Reply:
        edition = int(req.site.state["edition"])
        links = "".join(f'<li><a href="{p}">{escape(_fields(p, edition)[0])}</a></li>' for p, *_ in ARTICLES)
        return Reply(
            body=f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{NAME}</title></head>
<body><main><ul class="latest">{links}</ul></main></body></html>""".encode()
        )

    site.add("/", home)
    for path, *_ in ARTICLES:
        site.add(path, lambda req, p=path: Reply(body=_article(p, int(req.site.state["edition"]))))
    return site
