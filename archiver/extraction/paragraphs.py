"""Reading a container's text as paragraphs, and dropping the lines that are not article text.

The text is read block by block: paragraphs, headings, list items, quotes, text-only divs and cells, and runs of
loose text between <br>s, in document order. Lines that are navigation in disguise (mostly links, 'read also',
share prompts, advertisement labels, the named tables below) and the article's header repeated inside the
container (`drop_head_lines`) are not text.
"""

from __future__ import annotations

import re

from lxml import etree, html

from archiver.extraction.dates import find_date
from archiver.extraction.text import clean_whitespace

BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "ul", "caption",
    }
)  # fmt: skip
# The article's header often sits inside the text's container: the headline again, a kicker ('BREAKING NEWS'), the
# date. Among the first `HEAD_LINES` items, before the first real paragraph (`HEAD_PARAGRAPH_CHARS`), a line that
# repeats the title, a short upper-case label, or a short line that is mostly a date is not text.
HEAD_LINES = 5
HEAD_PARAGRAPH_CHARS = 150
HEAD_DATE_LINE_CHARS = 60
HEAD_LABEL_CHARS = 30
PROSE_CHARS = 80  # a paragraph this long is prose even when it links a lot
# A paragraph whose text is at least this share links is navigation (a 'read also' headline, a tag row).
PARAGRAPH_MAX_LINKS = 0.5
# Paragraphs that are navigation in disguise. Prefixes start a 'read also' line that goes on with a headline;
# whole lines are buttons and headings that are nothing else. RSS footers ('The post ... appeared
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
    "Advertisement",
    "Advert",
    "This slideshow requires JavaScript",
    "Story continues below advertisement",
    "Continue reading below",
    "إعلان",
    "مساحة إعلانية",
)
# Known Libyan boilerplate lines, anywhere in a paragraph's start: promos, wire trailers, op-ed
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


def _is_noise(text: str, extra_boilerplate: tuple[re.Pattern[str], ...]) -> bool:
    return bool(
        BOILERPLATE_PARAGRAPH.match(text)
        or KNOWN_BOILERPLATE.match(text)
        or any(p.search(text) for p in extra_boilerplate)
    )


class _Reader:
    """Reads a container's text as blocks: each block-level element, <br> run or loose text between blocks is one
    paragraph, with the number of its characters that are link text."""

    def __init__(self) -> None:
        self.items: list[tuple[str, html.HtmlElement, int]] = []
        self._parts: list[str] = []
        self._link_parts: list[str] = []
        self._owner: list[html.HtmlElement] = []
        self._in_link = 0
        self._in_paragraph = 0

    def _add(self, text: str | None) -> None:
        if text:
            self._parts.append(text)
            if self._in_link:
                self._link_parts.append(text)

    def flush(self) -> None:
        text = clean_whitespace("".join(self._parts))
        if text and self._owner:
            links = len(clean_whitespace("".join(self._link_parts)))
            self.items.append((text, self._owner[-1], links))
        self._parts, self._link_parts = [], []

    def read(self, container: html.HtmlElement) -> list[tuple[str, html.HtmlElement, int]]:
        self._owner = [container]
        for event, element in etree.iterwalk(container, events=("start", "end")):
            tag = element.tag if isinstance(element.tag, str) else ""
            if event == "start":
                if tag in BLOCK_TAGS and element is not container:
                    self.flush()
                    self._owner.append(element)
                if tag == "br" and not self._in_paragraph:
                    self.flush()
                elif tag == "br":
                    self._add(" ")
                if tag == "a":
                    self._in_link += 1
                if tag == "p":
                    self._in_paragraph += 1
                if tag:
                    self._add(element.text)
            else:
                if tag == "a":
                    self._in_link -= 1
                if tag == "p":
                    self._in_paragraph -= 1
                if tag in BLOCK_TAGS and element is not container:
                    self.flush()
                    self._owner.pop()
                if element is not container:
                    self._add(element.tail)
        self.flush()
        return self.items


def paragraph_items(
    container: html.HtmlElement, extra_boilerplate: tuple[re.Pattern[str], ...] = ()
) -> list[tuple[str, html.HtmlElement]]:
    """(text, element) per paragraph in document order, navigation lines and link rows dropped."""
    out: list[tuple[str, html.HtmlElement]] = []
    for text, element, links in _Reader().read(container):
        if links >= len(text) * PARAGRAPH_MAX_LINKS and (element.tag != "p" or len(text) < PROSE_CHARS):
            continue
        if _is_noise(text, extra_boilerplate):
            continue
        out.append((text, element))
    return out


def drop_head_lines(items: list[tuple[str, html.HtmlElement]], title: str | None) -> list[tuple[str, html.HtmlElement]]:
    """Items without the article-header lines at their top (see `HEAD_LINES`)."""
    folded_title = clean_whitespace(title).casefold() if title else None
    kept: list[tuple[str, html.HtmlElement]] = []
    for index, (text, element) in enumerate(items):
        in_head = index < HEAD_LINES and not any(len(t) >= HEAD_PARAGRAPH_CHARS for t, _ in items[:index])
        if in_head and (
            (folded_title and text.casefold() == folded_title)
            or (len(text) <= HEAD_LABEL_CHARS and text.isupper())
            or (len(text) <= HEAD_DATE_LINE_CHARS and find_date(text) is not None)
        ):
            continue
        kept.append((text, element))
    return kept
