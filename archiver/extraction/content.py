"""Main-content heuristics: find the element that holds the article text and read its paragraphs.

The method is the published one of readability-style extractors, with trafilatura's recall in mind:
1. every block of running text (a paragraph, a text-only div or cell) scores by its length and commas, and passes
   its score to its parent and, halved, to its grandparent; class names and tags weigh containers up or down
   (`CLASS_WEIGHTS`, `TAG_WEIGHTS`), the usual article containers (`BODY_XPATHS`) get a bonus;
2. a container's score is discounted by its link density; the best one is the article's container;
3. siblings the container missed (a lead paragraph, a second text block after an inline ad) are recovered when
   they score near it or read like prose;
4. boilerplate blocks inside are cut by name AND density (`boilerplate.py`), never the container itself;
5. the text is read block by block (paragraphs, headings, lists, quotes, text-only divs and cells, <br> runs),
   and lines that are navigation in disguise are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree, html

from archiver.extraction.boilerplate import (
    FRAME_TAGS,
    cut_boilerplate,
    link_chars,
    named_boilerplate,
    remove_never_text,
)
from archiver.extraction.dates import find_date
from archiver.extraction.text import clean_whitespace

# Where article text usually lives: a container matching one of these hints gets `BODY_XPATH_BONUS`; the
# extraction method names the hint by its index ('xpath:N', the XPath each stands for noted beside it).
BODY_HINTS: tuple[tuple[str, str], ...] = (
    ("itemprop", "articleBody"),  # .//*[@itemprop='articleBody']
    ("class", "entry-content"),  # .//div[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')]
    ("class", "post-content"),
    ("class", "article-content"),
    ("class", "article-body"),
    ("class", "art-content"),
    ("class", "entry"),
    ("tag", "article"),  # .//article
    ("tag", "main"),  # .//main
)
BODY_XPATH_BONUS = 0.3
# Class/id words that weigh a container up or down (readability's idea: a hint, never a verdict).
POSITIVE_NAMES = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story|detail|news|nota|haber|materia|"
    r"maincontent|single|matn|khabar",
    re.I,
)
NEGATIVE_NAMES = re.compile(
    r"hidden|^hid$|consent|cookie|privacy|banner|combx|comment|com-|contact|foot|footer|footnote|gdpr|masthead|media|meta|outbrain|promo|"
    r"related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|disqus|extra|menu|nav|"
    r"remark|rss|agegate|pagination|pager|popup|teaser|recommend|trending|newsletter|subscribe|social|breadcrumb",
    re.I,
)
# Weights multiply a container's text evidence, so a name can tip a close call but never outweigh the text.
CLASS_WEIGHT = 0.25
TAG_WEIGHTS = {
    "div": 0.05,
    "article": 0.1,
    "section": 0.03,
    "main": 0.05,
    "td": 0.03,
    "blockquote": -0.05,
    "pre": -0.05,
    "address": -0.3,
    "ol": -0.1,
    "ul": -0.1,
    "dl": -0.1,
    "dd": -0.1,
    "dt": -0.1,
    "li": -0.1,
    "form": -0.05,
    "header": -0.3,
    "footer": -0.5,
    "nav": -0.6,
    "aside": -0.5,
    "h1": -0.3,
    "h2": -0.3,
    "h3": -0.3,
    "h4": -0.3,
    "h5": -0.3,
    "h6": -0.3,
    "th": -0.3,
}
# An element inside a frame tag (nav, footer, aside...) counts at this factor; inside a block that is never the
# story (comments, related posts), at the second.
FRAMED_FACTOR = 0.5
NEVER_STORY_FACTOR = 0.1
# Elements whose text counts as one running-text block when they hold no other block.
TEXT_BLOCK_TAGS = frozenset({"p", "pre", "td", "blockquote", "div", "section", "article", "dd", "li"})
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "ul", "caption",
    }
)  # fmt: skip
FINALISTS = 40  # containers whose link density is measured
MIN_BLOCK_CHARS = 25  # shorter blocks (labels, dates, buttons) carry no evidence
MIN_BODY_CHARS = 80
# The article's header often sits inside the text's container: the headline again, a kicker ('BREAKING NEWS'), the
# date. Among the first `HEAD_LINES` items, before the first real paragraph (`HEAD_PARAGRAPH_CHARS`), a line that
# repeats the title, a short upper-case label, or a short line that is mostly a date is not text.
HEAD_LINES = 5
HEAD_PARAGRAPH_CHARS = 150
HEAD_DATE_LINE_CHARS = 60
HEAD_LABEL_CHARS = 30
# JSON-LD articleBody replaces the text read from the page only when that text is clearly incomplete: shorter
# than this share of the articleBody and (when not empty) contained in it. A longer articleBody is often the full
# text plus captions, or a different edition, so a complete page text is kept.
JSON_LD_BODY_SHARE = 0.5
JSON_LD_COVERAGE = 0.9
# Sibling recovery: a sibling joins when it scores this share of the best container, or reads like prose.
SIBLING_SHARE = 0.2
# Climbing: the container's parent replaces it when it holds this much more prose (a story split into columns).
CLIMB_SHARE = 0.5
CLIMB_LEVELS = 4
WRAPPER_SLACK = 20  # a parent with at most this many more characters than its child is a bare wrapper
SIBLING_PROSE_CHARS = 80
SIBLING_MAX_LINKS = 0.25
# A paragraph whose text is at least this share links is navigation (a 'read also' headline, a tag row).
PARAGRAPH_MAX_LINKS = 0.5
PARAGRAPH_TAGS = frozenset({"p", "h2", "h3", "h4", "blockquote", "li", "pre"})
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
    "Advertisement",
    "Advert",
    "This slideshow requires JavaScript",
    "Story continues below advertisement",
    "Continue reading below",
    "إعلان",
    "مساحة إعلانية",
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


def _is_noise(text: str, extra_boilerplate: tuple[re.Pattern[str], ...]) -> bool:
    return bool(
        BOILERPLATE_PARAGRAPH.match(text)
        or KNOWN_BOILERPLATE.match(text)
        or any(p.search(text) for p in extra_boilerplate)
    )


def strip_boilerplate(root: html.HtmlElement) -> None:
    """Remove non-content subtrees under a container in place (on a copy the caller owns); the container stays."""
    remove_never_text(root)
    cut_boilerplate(root)


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
        if links >= len(text) * PARAGRAPH_MAX_LINKS and (element.tag != "p" or len(text) < SIBLING_PROSE_CHARS):
            continue
        if _is_noise(text, extra_boilerplate):
            continue
        out.append((text, element))
    return out


def _class_weight(element: html.HtmlElement) -> float:
    names = f"{element.get('class', '')} {element.get('id', '')}"
    if not names.strip():
        return 0.0
    weight = 0.0
    if NEGATIVE_NAMES.search(names):
        weight -= CLASS_WEIGHT
    if POSITIVE_NAMES.search(names):
        weight += CLASS_WEIGHT
    return weight


def _has_block_child(element: html.HtmlElement) -> bool:
    return any(isinstance(child.tag, str) and child.tag in BLOCK_TAGS for child in element)


def _loose_text(element: html.HtmlElement) -> tuple[str, int]:
    """Text straight inside a container that also holds blocks (a legacy cell: text, <br>s, inline tags, then a
    table), and how much of it is link text."""
    parts = [element.text or ""]
    links = 0
    for child in element:
        if isinstance(child.tag, str) and child.tag not in BLOCK_TAGS:
            inline = child.text_content()
            parts.append(inline)
            links += len(inline) if child.tag == "a" else sum(len(a.text_content()) for a in child.iter("a"))
        parts.append(child.tail or "")
    return clean_whitespace(" ".join(parts)), links


def _text_blocks(root: html.HtmlElement) -> Iterator[tuple[html.HtmlElement, str, int, bool]]:
    """(element, text, link characters, loose) for each block of running text: paragraphs, list items, divs or
    cells holding text but no block, and the loose text of containers that hold blocks as well."""
    for element in root.iter(*TEXT_BLOCK_TAGS):
        if element.tag != "p" and _has_block_child(element):
            loose, links = _loose_text(element)
            if len(loose) >= MIN_BLOCK_CHARS:
                yield element, loose, links, True
            continue
        text = clean_whitespace(element.text_content())
        if len(text) >= MIN_BLOCK_CHARS:
            yield element, text, link_chars(element), False


class _Scores:
    def __init__(self, root: html.HtmlElement) -> None:
        self.worth: dict[html.HtmlElement, float] = {}
        for element, text, links, loose in _text_blocks(root):
            worth = 1.0 + text.count(",") + text.count("،") + min(len(text) / 100, 3.0)
            worth *= 1 - min(1.0, links / len(text))  # a menu item or a headline link is no evidence
            if worth <= 0:
                continue
            if element.tag not in ("p", "li"):
                self._add(element, worth)  # a text-only div, or the loose text of a container, is its own candidate
            if loose:
                continue  # its parent is no nearer the text than the container itself
            parent = element.getparent()
            if element.tag == "li" and parent is not None and parent.tag in ("ul", "ol"):
                parent = parent.getparent()  # a list item's text belongs to the block that holds the list
            if parent is None:
                continue
            self._add(parent, worth)
            grandparent = parent.getparent()
            if grandparent is not None:
                self._add(grandparent, worth / 2)
        self.lineage: dict[html.HtmlElement, float] = {}
        self.score = {element: worth * self._factor(element) for element, worth in self.worth.items()}

    def _add(self, element: html.HtmlElement, worth: float) -> None:
        self.worth[element] = self.worth.get(element, 0.0) + worth

    def _factor(self, element: html.HtmlElement) -> float:
        factor = 1.0 + TAG_WEIGHTS.get(element.tag, 0.0) + _class_weight(element)
        if body_hint(element) is not None:
            factor += BODY_XPATH_BONUS
        return max(factor * self._framed(element), 0.05)

    def _framed(self, element: html.HtmlElement) -> float:
        """The factor the element's place gives: inside comments/related, inside a frame tag, or neither."""
        pending = []
        node: html.HtmlElement | None = element
        while node is not None and node not in self.lineage:  # iterative: page depth is the page's choice
            pending.append(node)
            node = node.getparent()
        factor = self.lineage[node] if node is not None else 1.0
        for node in reversed(pending):
            if named_boilerplate(node) == "always":
                factor = NEVER_STORY_FACTOR
            elif node.tag in FRAME_TAGS:
                factor = min(factor, FRAMED_FACTOR)
            self.lineage[node] = factor
        return factor


def body_hint(element: html.HtmlElement) -> int | None:
    """The index in `BODY_HINTS` of the first hint the element matches, or None."""
    classes: list[str] | None = None
    for index, (kind, value) in enumerate(BODY_HINTS):
        if kind == "tag":
            if element.tag == value:
                return index
        elif kind == "itemprop":
            if element.get("itemprop") == value:
                return index
        elif element.tag == "div":
            if classes is None:
                classes = (element.get("class") or "").split()
            if value in classes:
                return index
    return None


def _link_density(element: html.HtmlElement) -> float:
    text = len(clean_whitespace(element.text_content()))
    return min(1.0, link_chars(element) / text) if text else 1.0


def _best(root: html.HtmlElement) -> tuple[html.HtmlElement | None, dict[html.HtmlElement, float]]:
    """The best container and the final scores (text evidence discounted by link density) of the leaders; link
    density is only measured for the `FINALISTS` best by text evidence, since it can only lower a score."""
    scores = _Scores(root).score
    leaders = sorted(scores, key=lambda e: scores[e], reverse=True)[:FINALISTS]
    final = {element: scores[element] * (1 - _link_density(element)) for element in leaders}
    best = max(final, key=lambda e: final[e], default=None)
    return best, final


def main_container(root: html.HtmlElement) -> tuple[html.HtmlElement | None, str]:
    """The element holding the article text and how it was found ('xpath:N' when it is a usual article
    container, else 'density'). The tree is changed in place: never-text tags go, siblings the best container
    missed are moved into it, and boilerplate inside it is cut."""
    remove_never_text(root)
    best, final = _best(root)
    if best is None or final[best] <= 0:
        return None, "density"
    if best.tag in ("p", "pre", "blockquote") and best.getparent() is not None:
        best = best.getparent()
    best = _climb(best)
    _recover_siblings(best, final)
    cut_boilerplate(best)
    hint = body_hint(best)
    return best, ("density" if hint is None else f"xpath:{hint}")


class _Prose:
    """Characters of prose under an element: paragraphs and text-only blocks long enough and with few links, not
    inside a frame tag or a block named boilerplate below that element. Built once over the highest element the
    climb can reach, then answered for each step by the blocks' ancestor chains."""

    def __init__(self, top: html.HtmlElement) -> None:
        self.chains: list[tuple[dict[html.HtmlElement, int], int, int]] = []  # (positions, first blocked, chars)
        for element, text, links, _loose in _text_blocks(top):
            if len(text) < SIBLING_PROSE_CHARS or links >= len(text) * SIBLING_MAX_LINKS:
                continue
            positions: dict[html.HtmlElement, int] = {}
            first_blocked = -1
            for index, node in enumerate([element, *element.iterancestors()]):
                positions[node] = index
                if first_blocked < 0 and (node.tag in FRAME_TAGS or named_boilerplate(node) is not None):
                    first_blocked = index
                if node is top:
                    break
            self.chains.append((positions, first_blocked if first_blocked >= 0 else len(positions), len(text)))

    def under(self, root: html.HtmlElement) -> int:
        return sum(chars for positions, blocked, chars in self.chains if blocked >= positions.get(root, blocked + 1))


def _climb(best: html.HtmlElement) -> html.HtmlElement:
    """A story split over several sibling blocks (a column per few paragraphs, cards, an inline ad between two
    text blocks): go up while the parent holds much more prose than the container, and no second article."""
    top = best
    for _level in range(CLIMB_LEVELS):
        if (parent := top.getparent()) is None or parent.tag in ("body", "html"):
            break
        top = parent
    prose_of = _Prose(top)
    prose = prose_of.under(best)
    levels = 0
    while (parent := best.getparent()) is not None and parent.tag not in ("body", "html") and levels < CLIMB_LEVELS:
        if parent.tag in FRAME_TAGS or named_boilerplate(parent) == "always":
            break
        wider = prose_of.under(parent)
        if wider < prose * (1 + CLIMB_SHARE) or _link_density(parent) > SIBLING_MAX_LINKS:
            own = len(clean_whitespace(best.text_content()))
            if len(clean_whitespace(parent.text_content())) > own + WRAPPER_SLACK:
                break
            best, levels = parent, levels + 1  # a bare wrapper: the same text, a wider view of the siblings
            continue
        if any(True for _ in best.iter("article")) and sum(1 for _ in parent.iter("article")) > 1:
            break
        best, prose, levels = parent, wider, levels + 1
    return best


def _recover_siblings(best: html.HtmlElement, final: dict[html.HtmlElement, float]) -> None:
    """Move into `best` the siblings that belong to the story: scored near it, or prose paragraphs."""
    parent = best.getparent()
    if parent is None:
        return
    threshold = max(2.0, final.get(best, 0.0) * SIBLING_SHARE)
    before: list[html.HtmlElement] = []
    after: list[html.HtmlElement] = []
    seen_best = False
    for sibling in parent:
        if sibling is best:
            seen_best = True
            continue
        if not isinstance(sibling.tag, str):
            continue
        if sibling.tag == "article" or (best.tag == "article" and any(True for _ in sibling.iter("article"))):
            continue  # another post of a listing or an endless-scroll page, not more of this one
        if _joins(sibling, best, final, threshold):
            (after if seen_best else before).append(sibling)
    for index, sibling in enumerate(before):
        best.insert(index, sibling)
    for sibling in after:
        best.append(sibling)


def _joins(
    sibling: html.HtmlElement, best: html.HtmlElement, final: dict[html.HtmlElement, float], threshold: float
) -> bool:
    bonus = (
        final.get(best, 0.0) * SIBLING_SHARE
        if sibling.get("class") and sibling.get("class") == best.get("class")
        else 0.0
    )
    if final.get(sibling, 0.0) + bonus >= threshold:
        return True
    if sibling.tag != "p":
        return False
    text = clean_whitespace(sibling.text_content())
    density = _link_density(sibling)
    if len(text) >= SIBLING_PROSE_CHARS and density < SIBLING_MAX_LINKS:
        return True
    return 0 < len(text) < SIBLING_PROSE_CHARS and density == 0 and bool(re.search(r"[.!?؟]\s*$", text))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def json_ld_body_is_better(page_text: str, ld_text: str) -> bool:
    """True when a JSON-LD articleBody should replace the text read from the page (see `JSON_LD_BODY_SHARE`)."""
    if len(page_text) < MIN_BODY_CHARS:
        return len(ld_text) >= MIN_BODY_CHARS
    if len(page_text) >= len(ld_text) * JSON_LD_BODY_SHARE:
        return False
    ld_words = set(_words(ld_text))
    page_words = _words(page_text)
    return sum(w in ld_words for w in page_words) >= len(page_words) * JSON_LD_COVERAGE


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
