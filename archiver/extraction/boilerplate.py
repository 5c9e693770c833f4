"""What is not article text: named tables of tags, class words and phrases, and the density test that decides.

A class word alone never removes a block: `widget`, `header` or `ad_body` on a wrapper around the story is common
(page builders, ASP.NET forms). A block is cut when its name says boilerplate AND its text says so too (mostly
links, or little text beside the article's), and never when it holds the article's best candidate.
"""

from __future__ import annotations

import re

from lxml import etree, html

from archiver.extraction.text import clean_whitespace

# Tags that never hold article text: removed before anything is measured.
NEVER_TEXT_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "button",
    "svg",
    "template",
    "select",
    "textarea",
    "input",
    "object",
    "embed",
    "canvas",
    "video",
    "audio",
    "map",
    "figcaption",  # photo captions are not article text (images keep them)
)
# Tags that usually frame a page rather than tell the story; judged by density like a boilerplate class.
FRAME_TAGS = frozenset({"nav", "aside", "footer", "header", "form", "menu", "dialog"})
# Class/id tokens of containers that are usually not article text. A token matches when it is one of these words,
# or starts with one followed by '-' or '_', or ends with '-' / '_' and one. WordPress taxonomy classes on the post
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
    "disqus",
    "tags",
    "tagcloud",
    "breadcrumb",
    "breadcrumbs",
    "nav",
    "navbar",
    "navigation",
    "menu",
    "sidebar",
    "widget",
    "footer",
    "header",
    "masthead",
    "advert",
    "advertisement",
    "ads",
    "ad",
    "banner",
    "promo",
    "newsletter",
    "subscribe",
    "signup",
    "author-box",
    "meta",
    "pagination",
    "pager",
    "popular",
    "trending",
    "most-read",
    "more-news",
    "recommended",
    "sharedaddy",
    "yarpp",
    "outbrain",
    "taboola",
    "caption",
    "wp-caption-text",
    "credit",
    "cookie",
    "cookies",
    "consent",
    "privacy",
    "gdpr",
    "modal",
    "popup",
)
# Words that mark a block as not the story even when it holds much plain text (a long comment thread, a row of
# teasers): cut unless they hold the best candidate.
ALWAYS_CUT_WORDS = frozenset(
    {"comment", "comments", "disqus", "related", "relatedposts", "outbrain", "taboola", "yarpp", "newsletter"}
)
NOT_BOILERPLATE_TOKEN = re.compile(
    r"^(tag|category|categories|no|has|format|status|type|post|postid|page-id)[-_]"
    # state flags on the post's own wrapper ('comments-enabled', 'sidebar-open'), not blocks
    r"|[-_](enabled|disabled|open|opened|closed|on|off|allowed|active|count|yes|true|false|left|right)$",
    re.I,
)
_WORDS = "|".join(sorted((re.escape(w) for w in BOILERPLATE_WORDS), key=len, reverse=True))
BOILERPLATE_TOKEN = re.compile(rf"^(?:{_WORDS})(?:[-_].*)?$|^.*[-_](?:{_WORDS})$", re.I)
_ALWAYS = "|".join(sorted((re.escape(w) for w in ALWAYS_CUT_WORDS), key=len, reverse=True))
ALWAYS_CUT_TOKEN = re.compile(rf"^(?:{_ALWAYS})(?:[-_].*)?$|^.*[-_](?:{_ALWAYS})$", re.I)
# Tokens of containers that hold the article text: never cut, whatever else their class says.
CONTENT_TOKENS = frozenset(
    {
        "entry-content",
        "post-content",
        "article-content",
        "article-body",
        "articlebody",
        "art-content",
        "story-body",
        "td-post-content",
        "post-body",
        "entry-body",
        "story-content",
        "article-text",
    }
)
# A named block is cut when links make up this share of its text, or when its text is under this share of the
# article's (a share bar, a caption, a byline box inside the story).
LINK_HEAVY = 0.45
MINOR_SHARE = 0.25


def _tokens(element: html.HtmlElement) -> list[str]:
    return f"{element.get('class', '')} {element.get('id', '')}".split()


def named_boilerplate(element: html.HtmlElement) -> str | None:
    """'always' or 'maybe' when the element's tag or class/id name boilerplate, else None."""
    if element.tag in ("article", "main", "body", "html") or element.get("itemprop") == "articleBody":
        return None
    tokens = _tokens(element)
    if not tokens:
        return "maybe" if element.tag in FRAME_TAGS else None
    if CONTENT_TOKENS.intersection(t.lower() for t in tokens):
        return None
    named = [t for t in tokens if BOILERPLATE_TOKEN.match(t) and not NOT_BOILERPLATE_TOKEN.search(t)]
    if any(ALWAYS_CUT_TOKEN.match(t) for t in named):
        return "always"
    if named or element.tag in FRAME_TAGS:
        return "maybe"
    return None


def link_chars(element: html.HtmlElement) -> int:
    return sum(len(clean_whitespace(a.text_content())) for a in element.iter("a"))


# Elements a reader never sees: the `hidden` attribute, inline display:none / visibility:hidden, aria-hidden blocks
# (aria-hidden on inline icons and links is decoration around visible text, so those stay).
HIDDEN_CANDIDATES = etree.XPath(".//*[@hidden or @aria-hidden='true' or @style]")
HIDDEN_STYLES = ("display:none", "visibility:hidden")
ARIA_HIDDEN_INLINE = frozenset({"span", "i", "em", "b", "a", "strong", "small"})


def _hidden(element: html.HtmlElement) -> bool:
    if element.get("hidden") is not None:
        return True
    style = element.get("style")
    if style and any(rule in style.replace(" ", "").lower() for rule in HIDDEN_STYLES):
        return True
    return element.get("aria-hidden") == "true" and element.tag not in ARIA_HIDDEN_INLINE


def remove_never_text(root: html.HtmlElement) -> None:
    """Remove tags that never hold article text, and elements hidden from the reader."""
    etree.strip_elements(root, *NEVER_TEXT_TAGS, with_tail=False)
    for element in HIDDEN_CANDIDATES(root):
        if _hidden(element) and element.getparent() is not None and element is not root:
            _remove_keeping_tail(element)


def cut_boilerplate(root: html.HtmlElement, keep: frozenset[html.HtmlElement] = frozenset()) -> None:
    """Remove boilerplate blocks under `root` in place (on a copy the caller owns), never an element of `keep`
    nor one holding an element of `keep`. `root` is measured as the article the blocks are judged against."""
    total = max(1, len(clean_whitespace(root.text_content())))
    protected = set(keep)
    for kept in keep:
        protected.update(kept.iterancestors())
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element is root or element in protected:
            continue
        if element.getparent() is None:
            continue  # already removed with an ancestor
        kind = named_boilerplate(element)
        if kind is None:
            continue
        text = len(clean_whitespace(element.text_content()))
        if kind == "maybe" and text >= total * MINOR_SHARE and link_chars(element) < text * LINK_HEAVY:
            continue  # a named wrapper that holds much of the article's own text is the article
        parent = element.getparent()
        if parent is not None:
            _remove_keeping_tail(element)


def _remove_keeping_tail(element: html.HtmlElement) -> None:
    parent = element.getparent()
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
