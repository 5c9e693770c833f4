"""Snippets: the stretch of archived text where the query's words gather, with the places of those words.

Computed on the original text, word by word (a word matches when its normalised, stemmed form is one of the
query's), so the snippet is the text as archived, diacritics and all, and no HTML is ever produced here.
"""

from __future__ import annotations

from functools import lru_cache

from archiver.search.normalize import stem_key, tokens, words
from archiver.search.query import Highlight

WINDOW = 36  # words in a snippet


@lru_cache(maxsize=65536)
def _keys(word: str) -> frozenset[str]:
    return frozenset(stem_key(token) for token in tokens(word)) or frozenset({stem_key(word)})


def marks(text: str, wanted: set[str]) -> list[Highlight]:
    """Where the words of `wanted` (stem keys) occur in `text`."""
    if not wanted:
        return []
    return [(m.start(), m.end()) for m in words(text) if _keys(m.group()) & wanted]


def snippet(text: str, wanted: set[str], window: int = WINDOW) -> tuple[str, tuple[Highlight, ...]]:
    """Up to `window` words of `text` around the densest run of matches (the opening when none is in it)."""
    places = list(words(text))
    if not places:
        return "", ()
    hits = [i for i, m in enumerate(places) if wanted and _keys(m.group()) & wanted]
    first = 0
    if hits:
        best, low = 0, 0
        for high, place in enumerate(hits):  # the window starting a little before the hit that gathers most
            while hits[low] < place - window + 5:
                low += 1
            if high - low + 1 > best:
                best, first = high - low + 1, max(0, hits[low] - 4)
    last = min(len(places), first + window) - 1
    begin, end = places[first].start(), places[last].end()
    prefix = "… " if first > 0 else ""
    suffix = " …" if last < len(places) - 1 else ""
    # Paragraph breaks become spaces one for one, so offsets still count characters of the archived text.
    text_out = prefix + text[begin:end].replace("\r", " ").replace("\n", " ") + suffix
    shift = len(prefix) - begin
    spans = tuple((places[i].start() + shift, places[i].end() + shift) for i in hits if first <= i <= last)
    return text_out, spans
