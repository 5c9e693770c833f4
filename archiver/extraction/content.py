"""Main-content heuristics: find the element that holds the article text.

The method is the published one of readability-style extractors, with trafilatura's recall in mind:
1. every block of running text (a paragraph, a list item, a text-only div or cell, loose text beside blocks)
   scores by its length and commas, discounted by its own links, and passes its score to its parent and, halved,
   to its grandparent; tag and class names weigh containers up or down (`TAG_WEIGHTS`, `POSITIVE_NAMES`,
   `NEGATIVE_NAMES`), the usual article containers (`BODY_HINTS`) get a bonus;
2. a container's score is discounted by its link density; the best one is the article's container;
3. a story split over sibling blocks is joined: the container climbs to a parent holding much more prose, and
   siblings that score near it or read like prose are taken in;
4. boilerplate blocks inside are cut by name AND density (`boilerplate.py`), never the container itself;
5. `paragraphs.py` reads the text block by block and drops the lines that are not article text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import html

from archiver.extraction.boilerplate import (
    FRAME_TAGS,
    cut_boilerplate,
    link_chars,
    named_boilerplate,
    remove_never_text,
)
from archiver.extraction.paragraphs import BLOCK_TAGS, drop_head_lines, paragraph_items
from archiver.extraction.text import clean_whitespace

__all__ = ["drop_head_lines", "json_ld_body_is_better", "main_container", "paragraph_items", "strip_boilerplate"]

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
FINALISTS = 40  # containers whose link density is measured
MIN_BLOCK_CHARS = 25  # shorter blocks (labels, dates, buttons) carry no evidence
MIN_BODY_CHARS = 80
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


def strip_boilerplate(root: html.HtmlElement) -> None:
    """Remove non-content subtrees under a container in place (on a copy the caller owns); the container stays."""
    remove_never_text(root)
    cut_boilerplate(root)


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
        if child.tail:
            parts.append(child.tail)
    text = " ".join(parts)
    if text.isspace() or not text:
        return "", 0  # the usual case: a wrapper of blocks with nothing but indentation between them
    return clean_whitespace(text), links


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
    reference = final[best]  # what the story scored, the yardstick for its siblings after a climb
    if best.tag in ("p", "pre", "blockquote") and best.getparent() is not None:
        best = best.getparent()
    best = _climb(best)
    _recover_siblings(best, final, reference)
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


def _recover_siblings(best: html.HtmlElement, final: dict[html.HtmlElement, float], reference: float) -> None:
    """Move into `best` the siblings that belong to the story: scored near it, or prose paragraphs."""
    parent = best.getparent()
    if parent is None:
        return
    threshold = max(2.0, reference * SIBLING_SHARE)
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
        if _joins(sibling, best, final, reference, threshold):
            (after if seen_best else before).append(sibling)
    for index, sibling in enumerate(before):
        best.insert(index, sibling)
    for sibling in after:
        best.append(sibling)


def _joins(
    sibling: html.HtmlElement,
    best: html.HtmlElement,
    final: dict[html.HtmlElement, float],
    reference: float,
    threshold: float,
) -> bool:
    bonus = reference * SIBLING_SHARE if sibling.get("class") and sibling.get("class") == best.get("class") else 0.0
    if final.get(sibling, 0.0) + bonus >= threshold:
        return True
    if sibling.tag not in ("p", "blockquote", "pre") and (sibling.tag != "div" or _has_block_child(sibling)):
        return False  # only a paragraph or a text-only block can join on its own text
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
