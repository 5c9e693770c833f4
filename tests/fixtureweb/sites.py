"""The fixture news web: small sites in the real structures of Libyan outlets (docs/sites.md), with the traps a
crawler meets. Every article's expected fields are kept in `site.state["expected"]` for the tests."""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import quote

from tests.fixtureweb.server import Reply, Request, Site
from tests.fixtureweb.text import article_text

AR_MONTHS = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
]


def _expected(site: Site, path: str, **fields: Any) -> None:
    site.state.setdefault("expected", {})[path] = fields


# --------------------------------------------------------------------------------------------------------------
# 1. WordPress (Jannah-like theme), Arabic, JSON-LD in @graph, sitemap index, gzip + chunked, cookies, traps.
SAHIL_ARTICLES = [
    # path, topic, city, (y, m, d, hh, mm), author
    ("/2024/03/15/water-network-maintenance/", "water", 0, (2024, 3, 15, 10, 30), "سالم الورفلي"),
    ("/2024/03/18/new-school-opening/", "school", 1, (2024, 3, 18, 9, 5), "فاطمة الزوي"),
    ("/2024/04/02/vegetable-prices/", "market", 2, (2024, 4, 2, 18, 45), "عمر الشريف"),
    ("/2024/04/20/" + quote("طريق-الساحل") + "/", "road", 3, (2024, 4, 20, 7, 0), "هدى المسلاتي"),
    ("/2024/05/01/vaccination-campaign/", "health", 4, (2024, 5, 1, 12, 15), "خالد بن عمران"),
]
SAHIL_PRIVATE = ("/private/2024/05/02/internal-draft/", "water", 5, (2024, 5, 2, 8, 0), "مجهول")
SAHIL_NAME = "الساحل نيوز"


def _sahil_article(site: Site, path: str, topic: str, city: int, when: tuple[int, ...], author: str) -> Reply:
    title, paragraphs = article_text(topic, city, extra=2)
    y, m, d, hh, mm = when
    iso = f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:00+02:00"
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": SAHIL_NAME, "url": site.url("/")},
            {
                "@type": "NewsArticle",
                "headline": title,
                "datePublished": iso,
                "dateModified": iso,
                "author": {"@type": "Person", "name": author},
                "publisher": {"@type": "Organization", "name": SAHIL_NAME},
                "articleSection": "أخبار ليبيا",
                "keywords": "ليبيا, خدمات",
                "image": site.url("/wp-content/uploads/2024/03/photo.jpg"),
            },
        ],
    }
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="UTF-8">
<title>{escape(title)} - {SAHIL_NAME}</title>
<meta property="og:title" content="{escape(title)} - {SAHIL_NAME}">
<meta property="og:site_name" content="{SAHIL_NAME}"><meta property="og:type" content="article">
<meta property="og:image" content="{site.url("/wp-content/uploads/2024/03/photo.jpg")}">
<meta property="article:published_time" content="{iso}">
<link rel="canonical" href="{site.url(path)}">
<link rel="alternate" type="application/rss+xml" title="{SAHIL_NAME} &raquo; الخلاصة" href="{site.url("/feed/")}">
<script type="application/ld+json">{json.dumps(graph, ensure_ascii=False)}</script>
</head><body class="post-template-default single">
<header id="theme-header"><nav class="main-nav"><ul>
<li><a href="/">الرئيسية</a></li><li><a href="/category/libya/">أخبار ليبيا</a></li><li><a href="/category/economy/">اقتصاد</a></li>
</ul></nav></header>
<div id="main-content" class="container"><article id="the-post" class="post-content container-wrapper">
<h1 class="post-title entry-title">{escape(title)}</h1>
<div class="post-meta"><span class="meta-author"><a href="/author/{city}/">{escape(author)}</a></span>
<span class="date meta-item">{d} {AR_MONTHS[m - 1]} {y}</span></div>
<div class="featured-area"><figure><img src="/wp-content/uploads/2024/03/photo.jpg" alt="">
<figcaption>صورة أرشيفية</figcaption></figure></div>
<div class="entry-content entry clearfix">
{body}
<div class="share-buttons"><a href="#">شارك</a><a href="#">فيسبوك</a><a href="#">تويتر</a></div>
</div>
<div id="related-posts" class="related-posts"><h3>مقالات ذات صلة</h3><ul>
<li><a href="{SAHIL_ARTICLES[0][0]}">خبر ذو صلة أول</a></li><li><a href="{SAHIL_ARTICLES[1][0]}">خبر ذو صلة ثان</a></li></ul></div>
</article>
<aside class="sidebar"><div class="widget"><h4>الأكثر قراءة</h4><ul><li><a href="/2024/03/18/new-school-opening/">مدرسة</a></li></ul></div></aside>
</div>
<footer id="footer"><p>جميع الحقوق محفوظة {SAHIL_NAME}</p><a id="go-to-top" href="#">زر الذهاب إلى الأعلى</a></footer>
</body></html>"""
    _expected(site, path, title=title, published_at=iso, authors=[author], paragraphs=paragraphs, language="ar")
    return Reply(
        body=html.encode("utf-8"),
        gzip=True,
        chunked=True,
        reason="Very OK" if path == SAHIL_ARTICLES[0][0] else None,
        headers=[
            ("Set-Cookie", "session=abc; Path=/"),
            ("Set-Cookie", "lang=ar; Path=/"),
            ("x-fixture", "yes"),
        ],
    )


def _listing(title: str, links: list[tuple[str, str]], extra_head: str = "", lang: str = "ar") -> bytes:
    items = "\n".join(
        f'<li class="post-item"><h2 class="post-title"><a href="{h}">{escape(t)}</a></h2></li>' for h, t in links
    )
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>{extra_head}</head>
<body><nav class="main-nav"><a href="/">الرئيسية</a> <a href="/category/libya/">أخبار ليبيا</a></nav>
<main><h1>{escape(title)}</h1><ul class="posts-items">{items}</ul></main>
<footer><a href="/about/">من نحن</a></footer></body></html>""".encode()


def sahil_site(host: str = "127.0.0.2") -> Site:
    site = Site("sahil", host)
    for path, topic, city, when, author in [*SAHIL_ARTICLES, SAHIL_PRIVATE]:
        site.add(path, lambda req, a=(path, topic, city, when, author): _sahil_article(req.site, *a))
        _sahil_article(site, path, topic, city, when, author)  # records the expected fields up front
    site.state["expected"].pop(SAHIL_PRIVATE[0])

    def robots(req: Request) -> Reply:
        text = (
            "User-agent: *\nDisallow: /private/\nDisallow: /wp-admin/\nCrawl-delay: 0.2\n\n"
            f"Sitemap: {req.site.url('/sitemap_index.xml')}\n"
        )
        return Reply(body=text.encode(), content_type="text/plain")

    def sitemap_index(req: Request) -> Reply:
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{req.site.url('/post-sitemap.xml')}</loc><lastmod>2024-05-02T08:00:00+00:00</lastmod></sitemap>"
            "</sitemapindex>"
        )
        return Reply(body=xml.encode(), content_type="application/xml; charset=UTF-8")

    def post_sitemap(req: Request) -> Reply:
        urls = "".join(
            f"<url><loc>{req.site.url(p)}</loc><lastmod>{w[0]:04d}-{w[1]:02d}-{w[2]:02d}</lastmod></url>"
            for p, _t, _c, w, _a in [*SAHIL_ARTICLES, SAHIL_PRIVATE]
        )
        xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        return Reply(body=xml.encode(), content_type="application/xml; charset=UTF-8", gzip=True)

    links = [(p, article_text(t, c)[0]) for p, t, c, _w, _a in SAHIL_ARTICLES]
    home_links = [
        *links,
        (SAHIL_PRIVATE[0], "مسودة"),
        ("/category/libya/", "أخبار ليبيا"),
        ("/calendar/?month=2024-01", "التقويم"),
        ("/old/water-story", "رابط قديم"),
        ("/huge/", "ملف كبير"),
        ("/loop-a", "حلقة"),
    ]
    site.add("/", lambda req: Reply(body=_listing(SAHIL_NAME, home_links)))
    site.add("/robots.txt", robots)
    site.add("/sitemap_index.xml", sitemap_index)
    site.add("/post-sitemap.xml", post_sitemap)
    site.add(
        "/category/libya/",
        Reply(body=_listing("أخبار ليبيا", links[:3] + [("/category/libya/page/2/", "التالي")])),
    )
    site.add("/category/libya/page/2/", Reply(body=_listing("أخبار ليبيا - صفحة 2", links[3:])))
    site.add("/old/water-story", Reply(301, b"", headers=[("Location", SAHIL_ARTICLES[0][0])]))
    site.add("/loop-a", Reply(302, b"", headers=[("Location", "/loop-b")]))
    site.add("/loop-b", Reply(302, b"", headers=[("Location", "/loop-a")]))
    site.add(
        "/huge/",
        lambda req: Reply(body=b"<html><body>" + b"<p>" + b"x" * (10 * 1024 * 1024) + b"</p></body></html>"),
    )

    def calendar(req: Request) -> Reply:
        # An endless calendar: every month links to the next one, forever.
        month = req.path.split("month=", 1)[-1] if "month=" in req.path else "2024-01"
        year, mon = (int(x) for x in month.split("-")[:2])
        nxt = f"{year + (mon // 12)}-{mon % 12 + 1:02d}"
        return Reply(body=_listing(f"التقويم {month}", [(f"/calendar/?month={nxt}", "الشهر التالي")]))

    site.add_prefix("/calendar/", calendar)
    return site


# --------------------------------------------------------------------------------------------------------------
# 2. Feed-only English site: the home page links to nothing but its RSS feed; one article answers 429 first.
FEED_ARTICLES = [
    (
        "/news/port-berth-reopens",
        "port",
        0,
        "Thu, 07 Mar 2024 09:15:00 +0200",
        "2024-03-07T09:15:00+02:00",
        "Ali Ben Saud",
    ),
    (
        "/news/new-substation",
        "power",
        1,
        "Sat, 09 Mar 2024 14:00:00 +0200",
        "2024-03-09T14:00:00+02:00",
        "Mona Haddad",
    ),
    (
        "/news/manuscripts-restored",
        "library",
        2,
        "Mon, 11 Mar 2024 11:30:00 +0200",
        "2024-03-11T11:30:00+02:00",
        "Sami Lamin",
    ),
    (
        "/news/cold-storage-call",
        "fishing",
        3,
        "Wed, 13 Mar 2024 16:45:00 +0200",
        "2024-03-13T16:45:00+02:00",
        "Rania Obeidi",
    ),
]
FEED_NAME = "Tripoli Tribune"


def _feed_article(site: Site, path: str, topic: str, city: int, iso: str, author: str) -> Reply:
    title, paragraphs = article_text(topic, city, english=True, extra=2)
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{escape(title)} | {FEED_NAME}</title>
<meta property="og:title" content="{escape(title)}"><meta property="og:type" content="article">
<meta property="og:site_name" content="{FEED_NAME}">
<meta name="author" content="{escape(author)}">
</head><body><div id="page"><div class="top-bar"><a href="/">{FEED_NAME}</a></div>
<div class="story"><h1>{escape(title)}</h1>
<p class="byline">By {escape(author)} &middot; <time datetime="{iso}">{iso[:10]}</time></p>
<div class="story-body">{body}</div>
<div class="tags">Tags: <a href="/tag/libya">Libya</a></div></div>
<div class="footer">&copy; {FEED_NAME}</div></div></body></html>"""
    _expected(site, path, title=title, published_at=iso, authors=[author], paragraphs=paragraphs, language="en")
    return Reply(body=html.encode("utf-8"))


def feed_site(host: str = "127.0.0.3") -> Site:
    site = Site("feedonly", host)
    for path, topic, city, _rfc, iso, author in FEED_ARTICLES:
        site.add(path, lambda req, a=(path, topic, city, iso, author): _feed_article(req.site, *a))
        _feed_article(site, path, topic, city, iso, author)
    throttled = FEED_ARTICLES[1][0]

    def throttled_once(req: Request) -> Reply:
        count = req.site.state.setdefault("hits", {}).get(throttled, 0)
        req.site.state["hits"][throttled] = count + 1
        if count == 0:
            return Reply(429, b"slow down", "text/plain", headers=[("Retry-After", "1")])
        return _feed_article(req.site, throttled, *FEED_ARTICLES[1][1:3], *FEED_ARTICLES[1][4:6])

    site.add(throttled, throttled_once)

    def feed(req: Request) -> Reply:
        items = "".join(
            f"<item><title>{escape(article_text(t, c, english=True)[0])}</title><link>{req.site.url(p)}</link>"
            f"<pubDate>{rfc}</pubDate></item>"
            for p, t, c, rfc, _iso, _a in FEED_ARTICLES
        )
        xml = f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{FEED_NAME}</title>{items}</channel></rss>'
        return Reply(body=xml.encode(), content_type="application/rss+xml; charset=UTF-8")

    head = f'<link rel="alternate" type="application/rss+xml" title="{FEED_NAME}" href="/feed/">'
    home = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{FEED_NAME}</title>{head}</head>
<body><div id="app">Loading the latest stories&hellip;</div><script src="/static/app.js"></script></body></html>"""
    site.add("/", Reply(body=home.encode()))
    site.add("/feed/", feed)
    return site


# --------------------------------------------------------------------------------------------------------------
# 3. Legacy table layout, windows-1256 declared only in a meta tag, query-string URLs and a print-view trap.
LEGACY_ARTICLES = [
    (101, "market", 4, "14 فبراير 2018 - 12:40"),
    (102, "health", 5, "3 مارس 2018 - 09:10"),
    (103, "road", 6, "الجمعة 12 الحرث 1372 و.ر"),  # Jamahiriya calendar: month 11, years from the Prophet's death
]
LEGACY_ISO = {101: "2018-02-14T12:40:00+02:00", 102: "2018-03-03T09:10:00+02:00", 103: "2004-11-12T00:00:00+02:00"}
LEGACY_NAME = "صحيفة الوادي"


def _legacy_page(title: str, inner: str) -> bytes:
    html = f"""<html dir="rtl"><head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">
<title>{LEGACY_NAME} :: {escape(title)}</title></head>
<body bgcolor="#ffffff"><table width="780" border="0" cellpadding="0" cellspacing="0">
<tr><td colspan="2" class="header"><a href="index.php">الرئيسية</a> | <a href="archive.php?page=1">الأرشيف</a></td></tr>
<tr><td width="180" valign="top" class="side"><a href="news.php?id=101">الأسواق</a><br><a href="news.php?id=102">الصحة</a></td>
<td valign="top">{inner}</td></tr>
<tr><td colspan="2" class="footer">جميع الحقوق محفوظة</td></tr></table></body></html>"""
    return html.encode("cp1256")


def legacy_site(host: str = "127.0.0.4") -> Site:
    site = Site("legacy", host)

    def news(req: Request) -> Reply:
        try:
            news_id = int(req.path.split("id=", 1)[1].split("&", 1)[0])
        except (IndexError, ValueError):
            return Reply(404, b"")
        match = next((a for a in LEGACY_ARTICLES if a[0] == news_id), None)
        if match is None:
            return Reply(404, b"")
        _id, topic, city, dateline = match
        title, paragraphs = article_text(topic, city, extra=1)
        text = "<br><br>\n".join(escape(p) for p in paragraphs)
        inner = (
            f'<table width="100%"><tr><td class="title"><font size="4"><b>{escape(title)}</b></font></td></tr>'
            f'<tr><td class="date"><font color="#666666">{dateline}</font></td></tr>'
            f'<tr><td class="text"><font size="3">{text}</font></td></tr>'
            f'<tr><td><a href="print.php?id={news_id}&view=1">نسخة للطباعة</a></td></tr></table>'
        )
        _expected(
            site,
            f"/news.php?id={news_id}",
            title=title,
            published_at=LEGACY_ISO[news_id],
            authors=[],
            paragraphs=paragraphs,
            language="ar",
        )
        return Reply(body=_legacy_page(title, inner), content_type="text/html")

    def printable(req: Request) -> Reply:
        # A trap: each print view links to another view number, without end.
        view = int(req.path.rsplit("view=", 1)[-1] or 0)
        news_id = req.path.split("id=", 1)[1].split("&", 1)[0]
        inner = f'<p>نسخة للطباعة</p><a href="print.php?id={news_id}&view={view + 1}">عرض آخر</a>'
        return Reply(body=_legacy_page("طباعة", inner), content_type="text/html")

    index_links = "".join(
        f'<p><a href="news.php?id={i}">{escape(article_text(t, c)[0])}</a></p>' for i, t, c, _d in LEGACY_ARTICLES
    )
    site.add("/", Reply(body=_legacy_page("الرئيسية", index_links), content_type="text/html"))
    site.add("/index.php", Reply(body=_legacy_page("الرئيسية", index_links), content_type="text/html"))
    site.add("/archive.php", Reply(body=_legacy_page("الأرشيف", index_links), content_type="text/html"))
    site.add_prefix("/news.php", news)
    for news_id, *_rest in LEGACY_ARTICLES:
        news(Request("GET", f"/news.php?id={news_id}", {}, site))
    site.log.clear()
    site.add_prefix("/print.php", printable)
    return site


# --------------------------------------------------------------------------------------------------------------
# 4. A site whose robots.txt answers 503: RFC 9309 says assume complete disallow.
def robots_down_site(host: str = "127.0.0.5") -> Site:
    site = Site("robotsdown", host)
    site.add("/robots.txt", Reply(503, b"maintenance", "text/plain"))
    site.add("/", Reply(body=_listing("Down", [("/news/1", "one")], lang="en")))
    site.add("/news/1", Reply(body=b"<html><body><h1>Should never be fetched</h1></body></html>"))
    return site


# --------------------------------------------------------------------------------------------------------------
# 5. An aggregator in the libyaakhbar.com structure (WordPress "Voice" theme): reposts with source lines, Eastern
#    Arabic digits in dates, RSS footers of the source, an 'about the source' box.
AGGREGATOR_ARTICLES = [
    # path, topic, city, date as shown, ISO, source name, source URL (None: named without a link), footer kind
    (  # a repost of the sahil site's first article: the same story, so exports link the two
        "/libya-news/1239964.html",
        "water",
        0,
        "٢٣ نوفمبر ٢٠٢٤ - ١٠:١٥",
        "2024-11-23T10:15:00+02:00",
        "الساحل نيوز",
        None,
        "read-at-source",
    ),
    (
        "/libya-news/1240102.html",
        "school",
        8,
        "٢٤ نوفمبر ٢٠٢٤ - ٠٨:٤٠",
        "2024-11-24T08:40:00+02:00",
        "صحيفة المرصد الليبية",
        None,
        "rss-footer",
    ),
    (
        "/business-news/2767506.html",
        "market",
        9,
        "٢٥ نوفمبر ٢٠٢٤ - ١٩:٠٥",
        "2024-11-25T19:05:00+02:00",
        "عين ليبيا",
        "https://eanlibya.com/archives/158651",
        "read-at-source",
    ),
]
AGGREGATOR_HEADER = "ليبيا الان"


def _aggregator_article(
    site: Site, path: str, topic: str, city: int, shown: str, iso: str, source: str, source_url: str | None, footer: str
) -> Reply:
    title, paragraphs = article_text(topic, city, extra=2 if city == 0 else 1)  # city 0: the sahil story, reposted
    named = f'<a href="{source_url}" rel="nofollow">{source}</a>' if source_url else source
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    tail = (
        f"<p>The post {escape(title)} first appeared on {source}.</p>"
        if footer == "rss-footer"
        else f"<p>يمكنك ايضا قراءة الخبر في المصدر من {named}</p>"
    )
    html = f"""<!DOCTYPE html><html dir="rtl" lang="ar"><head><meta charset="UTF-8">
<title>{escape(title)} | {AGGREGATOR_HEADER}</title></head>
<body class="single"><header id="header"><div class="site-title"><a href="/">{AGGREGATOR_HEADER}</a></div>
<nav id="vce-main-navigation"><ul><li><a href="/libya-news">اخبار ليبيا الان</a></li><li><a href="/business-news">اقتصاد</a></li></ul></nav></header>
<div id="content" class="container"><div id="primary" class="vce-main-content"><article class="vce-single post">
<header class="entry-header"><h1 class="entry-title">{escape(title)}</h1>
<div class="entry-meta"><div class="meta-item date"><span class="updated">{shown}</span></div></div></header>
<div class="entry-content"><p>مصدر الخبر / {named}</p>
{body}
{tail}
</div>
<div class="vce-share-bar"><a href="#">فيسبوك</a><a href="#">تويتر</a></div>
<div class="source-box"><h4>عن مصدر الخبر</h4><p>{source}</p></div>
</article></div>
<aside id="sidebar"><div class="widget"><h4 class="widget-title">آخر الأخبار</h4><ul><li><a href="{AGGREGATOR_ARTICLES[0][0]}">خبر</a> <span>٢٠ نوفمبر ٢٠٢٤</span></li></ul></div></aside>
</div><footer id="footer">{AGGREGATOR_HEADER} &copy; ٢٠٢٤</footer></body></html>"""
    original = {"name": source, "url": source_url}
    _expected(
        site,
        path,
        title=title,
        published_at=iso,
        authors=[],
        paragraphs=paragraphs,
        language="ar",
        original_source=original,
    )
    return Reply(body=html.encode("utf-8"))


def aggregator_site(host: str = "127.0.0.6") -> Site:
    site = Site("aggregator", host)
    for article in AGGREGATOR_ARTICLES:
        site.add(article[0], lambda req, a=article: _aggregator_article(req.site, *a))
        _aggregator_article(site, *article)
    items = "".join(
        f'<article class="vce-post"><h2 class="entry-title"><a href="{a[0]}">{escape(article_text(a[1], a[2])[0])}</a></h2>'
        f'<div class="date"><span class="updated">{a[3]}</span></div></article>'
        for a in AGGREGATOR_ARTICLES
    )
    listing = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="UTF-8"><title>{AGGREGATOR_HEADER}</title></head>
<body><div class="vce-loop-wrap">{items}</div></body></html>"""
    site.add("/", Reply(body=listing.encode()))
    site.add("/libya-news", Reply(body=listing.encode()))
    return site


def all_sites() -> list[Site]:
    return [sahil_site(), feed_site(), legacy_site(), robots_down_site(), aggregator_site()]
