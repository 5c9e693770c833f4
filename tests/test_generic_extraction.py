"""The generic layers on pages no profile covers: silent failures seen on real pages, each as a small page of our
own text, in English and Arabic."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from archiver.extraction.article import extract_article
from archiver.extraction.text import clean_whitespace

AR_PARAGRAPHS = [
    "أعلنت بلدية المدينة الساحلية عن خطة جديدة لصيانة شبكة المياه في الأحياء القديمة، تبدأ الأسبوع المقبل وتستمر ثلاثة أشهر.",
    "وقال رئيس البلدية إن الأعمال ستنفذ على مراحل حتى لا تنقطع المياه عن السكان لفترات طويلة، مؤكداً توفير صهاريج بديلة.",
    "وأضاف أن المشروع ممول من ميزانية التنمية المحلية، وأن الشركة المنفذة التزمت بجدول زمني معلن للمواطنين.",
]
EN_PARAGRAPHS = [
    "The coastal town council announced a new plan to repair the water network in the old quarters, starting next week.",
    "The mayor said the work would be done in stages so that no street loses water for long, and that tankers would stand by.",
    "He added that the project is paid for from the local development budget and that the contractor agreed to a public schedule.",
]


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def _extract(markup: str | bytes, url: str = "https://news.example.org/story/1", **kw: Any) -> dict[str, Any]:
    raw = markup.encode("utf-8") if isinstance(markup, str) else markup
    return extract_article(raw, url, kw.get("headers"))


def _body_is(article: dict[str, Any], texts: list[str]) -> None:
    assert article["body"] == "\n\n".join(texts), article["body"]


def test_page_opening_with_an_xml_declaration_is_parsed() -> None:
    for lang, texts, title in (
        ("en", EN_PARAGRAPHS, "Water works in the old town"),
        ("ar", AR_PARAGRAPHS, "صيانة المياه"),
    ):
        page = (
            '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
            f'<html xmlns="http://www.w3.org/1999/xhtml" lang="{lang}"><head><title>{title}</title></head>'
            f'<body><div id="story">{_paragraphs(texts)}</div></body></html>'
        )
        article = _extract(page)
        assert article["title"] == title
        assert article["language"] == lang
        _body_is(article, texts)


def test_xml_declared_windows_1256_page_is_parsed() -> None:
    page = (
        '<?xml version="1.0" encoding="windows-1256"?>\n'
        "<html><head><title>صيانة المياه</title></head>"
        f"<body><div>{_paragraphs(AR_PARAGRAPHS)}</div></body></html>"
    ).encode("cp1256")
    article = _extract(page)
    assert article["title"] == "صيانة المياه"
    _body_is(article, AR_PARAGRAPHS)


def test_titles_lose_character_references_the_markup_escaped_twice() -> None:
    cases = (
        ('<meta property="og:title" content="Mayor says &amp;quot;no cuts&amp;quot; in K&amp;ouml;ln plan">',
         'Mayor says "no cuts" in Köln plan'),
        ("<title>&amp;laquo;لا انقطاع&amp;raquo; في خطة البلدية &amp;#1633;&amp;#1634;</title>", "«لا انقطاع» في خطة البلدية ١٢"),
        ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tom &amp; Jerry&#039;s town"}'
         "</script>", "Tom & Jerry's town"),
    )  # fmt: skip
    for head, want in cases:
        page = f"<html><head>{head}</head><body><div>{_paragraphs(EN_PARAGRAPHS)}</div></body></html>"
        assert _extract(page)["title"] == want


def test_a_boilerplate_named_wrapper_around_the_story_does_not_empty_the_body() -> None:
    wrappers = (
        ('<div class="elementor-widget elementor-widget-text-editor"><div class="elementor-widget-container">', "</div></div>"),
        ('<form id="aspnetForm" action="/news.aspx" method="post"><div class="ad_body">', "</div></form>"),
        ('<div class="comments-enabled widget">', "</div>"),
        ("<aside>", "</aside>"),
        ("<header>", "</header>"),
    )  # fmt: skip
    for texts in (EN_PARAGRAPHS, AR_PARAGRAPHS):
        for opening, closing in wrappers:
            page = (
                '<html><body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>'
                f"{opening}<h1>Headline</h1>{_paragraphs(texts)}{closing}"
                '<div class="footer"><a href="/about">About us</a> <a href="/contact">Contact</a></div></body></html>'
            )
            article = _extract(page)
            _body_is(article, texts)


def test_share_bars_comments_and_related_links_inside_the_story_are_still_cut() -> None:
    for texts in (EN_PARAGRAPHS, AR_PARAGRAPHS):
        page = (
            '<html><body><div class="story">'
            f"{_paragraphs(texts[:2])}"
            '<div class="share-buttons"><a href="/s/fb">Facebook</a> <a href="/s/tw">Twitter</a></div>'
            '<ul class="related-links"><li><a href="/story/2">Another story about the town council budget</a></li></ul>'
            f"{_paragraphs(texts[2:])}"
            '<div id="comments"><p>Great news, finally someone is fixing the pipes in our street after all these years.</p>'
            "<p>I do not believe a word of it, they promised the same thing last year and nothing was done.</p></div>"
            "</div></body></html>"
        )
        _body_is(_extract(page), texts)


def test_a_promo_teaser_article_does_not_win_over_the_story() -> None:
    for texts, teaser in (
        (
            EN_PARAGRAPHS,
            "Also today: the football club opens its new stadium to visitors for a whole weekend of matches.",
        ),
        (
            AR_PARAGRAPHS,
            "اقرأ اليوم كذلك: النادي الرياضي يفتح ملعبه الجديد للزوار طوال عطلة نهاية الأسبوع مع مباريات ودية.",
        ),
    ):
        page = (
            '<html><body><article class="promo"><a href="/story/9"><h3>Stadium</h3></a>'
            f"<p>{teaser}</p></article>"
            f'<div class="main-column"><h1>Water works</h1>{_paragraphs(texts)}</div></body></html>'
        )
        _body_is(_extract(page), texts)


def test_lists_and_quotes_in_the_story_are_kept_and_a_split_story_is_joined() -> None:
    items = ["Repairs on the main pipe of the harbour district", "New meters for every house in the old quarter"]
    page = (
        '<html><body><div class="col"><div class="text-block">'
        f"{_paragraphs(EN_PARAGRAPHS[:2])}<ul>{''.join(f'<li>{i}</li>' for i in items)}</ul></div>"
        '<div class="inline-ad"><a href="/ad">Advertisement</a></div>'
        f'<div class="text-block"><blockquote>{EN_PARAGRAPHS[2]}</blockquote></div></div></body></html>'
    )
    _body_is(_extract(page), EN_PARAGRAPHS[:2] + items + EN_PARAGRAPHS[2:])


# --- dates ----------------------------------------------------------------------------------------------------
DATE_HEADER = {"Date": "Mon, 30 Nov 2026 10:00:00 GMT"}


def test_an_absolute_jamahiriya_date_beats_a_relative_one_when_the_capture_time_is_known() -> None:
    page = (
        '<html><body><table><tr><td><table><tr><td><span class="update-time">آخر تحديث منذ 3 أيام</span></td></tr>'
        '<tr><td class="news_date">الثلاثاء 14 الحرث 1374 و.ر</td></tr>'
        f'<tr><td class="news_text">{"<br><br>".join(AR_PARAGRAPHS)}</td></tr></table></td></tr></table></body></html>'
    )
    for headers in (DATE_HEADER, None):
        article = _extract(page, "http://archive.example.org/news.php?id=7", headers=headers)
        assert article["published_at"] == "2006-11-14T00:00:00+02:00"
        _body_is(article, AR_PARAGRAPHS)


def test_relative_date_is_used_only_when_no_absolute_date_is_shown() -> None:
    page = f'<html><body><div class="story"><span class="date">منذ ساعتين</span>{_paragraphs(AR_PARAGRAPHS)}</div></body></html>'
    article = _extract(page, headers=DATE_HEADER)
    assert article["published_at"] == "2026-11-30T10:00:00+02:00"
    assert article["extraction"]["method"]["published_at"] == "relative:html-date-class"


def test_no_date_on_the_page_gives_no_date_even_with_a_date_header() -> None:
    page = f"<html><body><div>{_paragraphs(EN_PARAGRAPHS)}</div></body></html>"
    article = _extract(page, headers={**DATE_HEADER, "Last-Modified": "Sun, 29 Nov 2026 10:00:00 GMT"})
    assert article["published_at"] is None
    assert article["extraction"]["method"]["published_at"] == "none"


def test_date_meta_names_beyond_opengraph() -> None:
    for name, value, want in (
        ("sailthru.date", "2019-11-18 09:30:00 +0000", "2019-11-18T09:30:00+00:00"),
        ("parsely-pub-date", "2019-11-18T09:30:00Z", "2019-11-18T09:30:00+00:00"),
        ("DC.date.issued", "2019-11-18", "2019-11-18T00:00:00+02:00"),
    ):
        page = f'<html><head><meta name="{name}" content="{value}"></head><body><div>{_paragraphs(EN_PARAGRAPHS)}</div></body></html>'
        article = _extract(page)
        assert (article["published_at"], article["extraction"]["method"]["published_at"]) == (want, "meta")


def test_url_date_gives_the_day_and_a_visible_date_of_that_day_the_time() -> None:
    body = f"<div>{_paragraphs(EN_PARAGRAPHS)}</div>"
    article = _extract(f"<html><body>{body}</body></html>", "https://news.example.org/2019/11/18/water-works/")
    assert (article["published_at"], article["extraction"]["method"]["published_at"]) == (
        "2019-11-18T00:00:00+02:00",
        "url",
    )
    page = f'<html><body><div class="wrap"><span class="post-date">Sidebar: 17 November 2019</span><div class="byline"><span class="posted-on">November 18, 2019 - 14:30</span></div>{body}</div></body></html>'
    article = _extract(page, "https://news.example.org/2019/11/18/water-works/")
    assert article["published_at"] == "2019-11-18T14:30:00+02:00"


# --- authors --------------------------------------------------------------------------------------------------
def _with(head: str = "", byline: str = "", texts: list[str] = EN_PARAGRAPHS) -> str:
    return f"<html><head>{head}</head><body><div class='story'>{byline}{_paragraphs(texts)}</div></body></html>"


def test_authors_from_meta_names_beyond_author() -> None:
    for head in (
        '<meta name="parsely-author" content="Amal Salem">',
        '<meta name="sailthru.author" content="Amal Salem">',
        '<meta name="DC.creator" content="Amal Salem">',
    ):
        article = _extract(_with(head))
        assert (article["authors"], article["extraction"]["method"]["authors"]) == (["Amal Salem"], "meta")


def test_authors_from_itemprop_and_byline_classes() -> None:
    for byline in (
        '<span itemprop="author"><span itemprop="name">Amal Salem</span></span>',
        '<div class="article-byline">By Amal Salem</div>',
        '<a class="author-name" href="/people/amal">Amal Salem</a>',
    ):
        assert _extract(_with(byline=byline))["authors"] == ["Amal Salem"]
    arabic = _with(byline='<span class="writer">بقلم: سالم المبروك</span>', texts=AR_PARAGRAPHS)
    assert _extract(arabic)["authors"] == ["سالم المبروك"]


def test_staff_and_editorial_bylines_are_not_authors() -> None:
    for head, byline, texts in (
        ('<meta name="author" content="Coastal Times Staff">', "", EN_PARAGRAPHS),
        ("", '<div class="byline">By CITY DESK</div>', EN_PARAGRAPHS),
        ('<meta name="author" content="هيئة التحرير">', "", AR_PARAGRAPHS),
        ("", '<span class="author">فريق التحرير</span>', AR_PARAGRAPHS),
    ):
        assert _extract(_with(head, byline, texts))["authors"] == []
    ld = '{"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Amal Salem"}, {"@type": "Organization", "name": "Coastal Times"}]}'
    head = f'<script type="application/ld+json">{ld}</script>'
    assert _extract(_with(head))["authors"] == ["Amal Salem"]


def test_the_name_inside_a_byline_wins_over_the_whole_byline_line() -> None:
    for byline, texts, want in (
        ('<p class="cb-byline">بواسطة <span class="author"><a rel="author" href="/a/s">سالم المبروك</a></span> في '
         "<time>3 سبتمبر، 2018</time> في تقارير</p>", AR_PARAGRAPHS, ["سالم المبروك"]),
        ('<div class="post-byline">Posted by <a rel="author" href="/a/s">Amal Salem</a> on Nov 18, 2019</div>',
         EN_PARAGRAPHS, ["Amal Salem"]),
        ('<div class="byline">By Amal Salem and John Smith | Nov 18, 2019</div>', EN_PARAGRAPHS, ["Amal Salem", "John Smith"]),
    ):  # fmt: skip
        assert _extract(_with(byline=byline, texts=texts))["authors"] == want


def test_day_month_year_separated_by_dashes_or_slashes() -> None:
    from archiver.extraction.dates import find_date

    for text, want in (
        ("الأحد، 14 - الحرث - 1374 و.ر", "2006-11-14"),
        ("الجمعة 5 / الفاتح / 1376 و.ر", "2008-09-05"),
        ("Friday 18-November-2019", "2019-11-18"),
    ):
        found = find_date(text)
        assert found is not None and found.date().isoformat() == want


def test_a_time_element_is_trusted_before_the_url_date() -> None:
    page = f'<html><body><div class="story"><time datetime="2019-11-19T08:15:00+01:00">19 Nov</time>{_paragraphs(EN_PARAGRAPHS)}</div></body></html>'
    article = _extract(page, "https://news.example.org/2019/11/18/water-works/")
    assert (article["published_at"], article["extraction"]["method"]["published_at"]) == (
        "2019-11-19T08:15:00+01:00",
        "html-time",
    )


@given(st.text())
def test_whitespace_collapsing_matches_the_regex_definition(text: str) -> None:
    # content_hash depends on it: the fast form must collapse exactly what r"\s+" matches
    assert clean_whitespace(text) == re.sub(r"\s+", " ", text).strip()


def test_microdata_date_published_without_a_content_attribute() -> None:
    for markup, want in (
        ('<span itemprop="datePublished">18 نوفمبر 2019</span>', "2019-11-18T00:00:00+02:00"),
        ('<time itemprop="datePublished" datetime="2019-11-18T09:30:00Z">Monday</time>', "2019-11-18T09:30:00+00:00"),
    ):
        page = f'<html><body><div class="story">{markup}{_paragraphs(AR_PARAGRAPHS)}</div><span class="date">منذ ساعتين</span></body></html>'
        article = _extract(page, headers=DATE_HEADER)
        assert (article["published_at"], article["extraction"]["method"]["published_at"]) == (want, "microdata")


def test_an_outlet_name_in_meta_author_gives_way_to_the_byline() -> None:
    for head, byline, texts, want in (
        ('<meta property="og:site_name" content="Coastal Times"><meta name="author" content="Coastal Times">',
         '<div class="byline">By Amal Salem</div>', EN_PARAGRAPHS, ["Amal Salem"]),
        ('<meta name="author" content="هيئة التحرير">', '<span class="author">بقلم: سالم المبروك</span>', AR_PARAGRAPHS,
         ["سالم المبروك"]),
    ):  # fmt: skip
        article = _extract(_with(head, byline, texts))
        assert (article["authors"], article["extraction"]["method"]["authors"]) == (want, "html")


def test_bylines_of_other_posts_never_stand_in_for_the_outlet_byline() -> None:
    page = (
        '<html><head><meta property="og:site_name" content="المرصد"></head><body>'
        '<div class="story"><div class="byline"><a href="/author/almarsad/">المرصد</a></div>'
        f"{_paragraphs(AR_PARAGRAPHS)}</div>"
        '<ul class="sidebar-posts"><li><div class="byline">12 مارس، 2023</div><a href="/p/2">خبر آخر</a></li>'
        '<li><div class="byline">بقلم سالم المبروك</div><a href="/p/3">مقال آخر</a></li></ul></body></html>'
    )
    assert _extract(page)["authors"] == []
