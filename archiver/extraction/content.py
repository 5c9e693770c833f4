"""Main-content heuristics: find the element that holds the article text and read its paragraphs.

Candidates are scored by the text of their paragraphs minus link text (link density), the way readability-style
extractors do; containers named like boilerplate (share bars, related lists, comments) are cut out first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree, html

from archiver.extraction.text import clean_whitespace

# Where article text usually lives, most specific first; the first with enough text wins outright.
BODY_XPATHS = (
    ".//*[@itemprop='articleBody']",
    ".//div[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')]",
    ".//div[contains(concat(' ', normalize-space(@class), ' '), ' post-content ')]",
    ".//div[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    ".//div[contains(concat(' ', normalize-space(@class), ' '), ' article-body ')]",
    ".//div[contains(concat(' ', normalize-space(@class), ' '), ' art-content ')]",
    ".//div[contains(concat(' ', normalize-space(@class), ' '), ' entry ')]",
    ".//article",
    ".//main",
)
# Class/id tokens of containers that are never article text. A token matches when it is one of these words, or
# starts with one followed by '-' or '_', or ends with '-' / '_' and one. WordPress taxonomy classes on the post
# element itself ('tag-oil', 'category-libya') and negations ('no-share') are not boilerplate.
BOILERPLATE_WORDS = (
    "share",
    "sharing",
    "social",
    "related",
    "relatedposts",
    "readmore",
    "read-more",
    "comment",
    "comments",
    "tags",
    "tagcloud",
    "breadcrumb",
    "breadcrumbs",
    "nav",
    "navigation",
    "menu",
    "sidebar",
    "widget",
    "footer",
    "header",
    "advert",
    "ads",
    "ad",
    "banner",
    "newsletter",
    "subscribe",
    "author-box",
    "meta",
    "pagination",
    "popular",
    "most-read",
    "more-news",
    "sharedaddy",
    "yarpp",
    "caption",
    "wp-caption-text",
    "credit",
)
NOT_BOILERPLATE_TOKEN = re.compile(
    r"^(tag|category|categories|no|has|format|status|type|post|postid|page-id)[-_]", re.I
)
_WORDS = "|".join(sorted((re.escape(w) for w in BOILERPLATE_WORDS), key=len, reverse=True))
BOILERPLATE_TOKEN = re.compile(rf"^(?:{_WORDS})(?:[-_].*)?$|^.*[-_](?:{_WORDS})$", re.I)
# Tokens of containers that hold the article text: never cut, whatever else their class says.
CONTENT_TOKENS = frozenset(
    {"entry-content", "post-content", "article-content", "article-body", "art-content", "story-body", "td-post-content"}
)
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "aside",
    "footer",
    "header",
    "form",
    "iframe",
    "button",
    "svg",
    "figcaption",  # photo captions are not article text (images keep them)
)
PARAGRAPH_TAGS = frozenset({"p", "h2", "h3", "h4", "blockquote", "li", "pre"})
_BODY_XPATHS = tuple(etree.XPath(x) for x in BODY_XPATHS)
MIN_BODY_CHARS = 80
# Paragraphs that are navigation in disguise. Prefixes start a 'read also' line that goes on with a headline;
# whole lines are buttons and headings that are nothing else (SITES.md §3). RSS footers ('The post ... appeared
# first on ...') are source lines: sources.py lifts them into original_source.
BOILERPLATE_PREFIXES = (
    "اقرأ أيضا",
    "اقرأ أيضاً",
    "إقرأ أيضا",
    "إقرأ أيضاً",
    "اقرأ ايضا",
    "طالع أيضا",
    "شاهد أيضا",
    "Read also",
    "Read more:",
    "See also:",
    "Related:",
)
BOILERPLATE_LINES = (
    "أخبار ذات صلة",
    "مقالات ذات صلة",
    "زر الذهاب إلى الأعلى",
    "اترك تعليقاً",
    "اترك تعليقا",
    "شارك",
    "شارك الخبر",
    "شارك هذا المقال",
    "Read more",
    "Read More »",
    "Related Articles",
    "Related",
    "Related Topics",
    "Share this",
    "Share",
    "Back to top button",
    "Show More",
    "More Posts",
    "Send Us A Message",
    "Post image",
    "Blog Archives",
    "In this article",
    "Posted in:",
)
# Known Libyan boilerplate lines (SITES.md §3), anywhere in a paragraph's start: promos, wire trailers, op-ed
# disclaimers, theme labels. Site profiles add their own.
KNOWN_BOILERPLATE = re.compile(
    r"^(?:اضغط هنا للإطلاع على العدد|اضغط هنا للاطلاع على العدد|\(وال\s*[–-]|=\.\.\.\s*Read more|Pulbished on:|"
    r"How to submit an Op-Ed|The views expressed in Op-Ed pieces|RELATED ARTICLES|MORE FROM AUTHOR|WTV_Frequency|"
    r"alwasat radio|تابعونا على|تابعوا آخر الأخبار)",
    re.I,
)
BOILERPLATE_PARAGRAPH = re.compile(
    "^(?:"
    + "|".join(re.escape(p) for p in BOILERPLATE_PREFIXES)
    + ")|^(?:"
    + "|".join(re.escape(line) for line in BOILERPLATE_LINES)
    + r")\s*[:.…]?\s*$",
    re.I,
)


def _is_boilerplate(element: html.HtmlElement) -> bool:
    tokens = f"{element.get('class', '')} {element.get('id', '')}".split()
    if not tokens or element.tag in ("article", "main", "body") or element.get("itemprop") == "articleBody":
        return False
    if CONTENT_TOKENS.intersection(t.lower() for t in tokens):
        return False
    return any(BOILERPLATE_TOKEN.match(t) and not NOT_BOILERPLATE_TOKEN.match(t) for t in tokens)


def strip_boilerplate(root: html.HtmlElement) -> None:
    """Remove non-content subtrees in place (on a copy the caller owns)."""
    etree.strip_elements(root, *DROP_TAGS, with_tail=False)
    for element in list(root.iter()):
        if isinstance(element.tag, str) and element is not root and _is_boilerplate(element):
            parent = element.getparent()
            if parent is not None:
                parent.remove(element)


def _link_chars(element: html.HtmlElement) -> int:
    return sum(len(a.text_content()) for a in element.iterfind(".//a"))


def paragraph_items(
    container: html.HtmlElement, extra_boilerplate: tuple[re.Pattern[str], ...] = ()
) -> list[tuple[str, html.HtmlElement]]:
    """(text, element) per paragraph in document order; nested paragraph tags are not read twice."""
    out: list[tuple[str, html.HtmlElement]] = []
    for element in container.iter(*PARAGRAPH_TAGS):
        if any(isinstance(a.tag, str) and a.tag in PARAGRAPH_TAGS for a in element.iterancestors()):
            continue
        text = clean_whitespace(element.text_content())
        if not text:
            continue
        if element.tag == "li" and _link_chars(element) >= len(text) * 0.5:
            continue  # link lists inside the body ('related' bullets)
        if BOILERPLATE_PARAGRAPH.match(text) or KNOWN_BOILERPLATE.match(text):
            continue
        if any(p.search(text) for p in extra_boilerplate):
            continue
        out.append((text, element))
    if not out:
        # Legacy pages put text straight into a <td> or <div>, paragraphs separated by <br>.
        for br in container.iter("br"):
            br.tail = "\n" + (br.tail or "")
        text = "".join(container.itertext())
        lines = (clean_whitespace(p) for p in re.split(r"\n\s*\n|\n", text))
        out = [(line, container) for line in lines if line and not any(p.search(line) for p in extra_boilerplate)]
    return out


def _score(element: html.HtmlElement) -> float:
    text = 0
    links = 0
    for p in element.iter("p", "td", "div"):
        if p.tag != "p" and any(child.tag in ("p", "div", "td", "table") for child in p.iterchildren()):
            continue
        own = len(clean_whitespace(p.text_content()))
        if own < 25:
            continue
        text += own
        links += _link_chars(p)
    if text == 0:
        return 0.0
    return text * (1 - min(1.0, links / text)) ** 2


def _candidates(root: html.HtmlElement) -> Iterator[html.HtmlElement]:
    yield from root.iter("article", "main", "section", "div", "td")


def main_container(root: html.HtmlElement) -> tuple[html.HtmlElement | None, str]:
    """The element holding the article text and how it was found ('xpath:N' or 'density')."""
    for index, xpath in enumerate(_BODY_XPATHS):
        for element in xpath(root):
            if len(clean_whitespace(element.text_content())) >= MIN_BODY_CHARS:
                return element, f"xpath:{index}"
    best: html.HtmlElement | None = None
    best_score = 0.0
    for element in _candidates(root):
        score = _score(element)
        if score <= 0:
            continue
        if best is None or score > best_score * 1.15:
            best, best_score = element, score
        elif score >= best_score * 0.9 and best in element.iterancestors():
            best, best_score = element, score  # the tighter container holding nearly all the text
    return best, "density"
