"""Matching form of text: Arabic spelling variants folded together, case folded, digits made Western.

The archived text is never changed: this form goes only into the search index and into queries, so that a reader
typing a plain alef finds a word written with a hamza, and `٢٠٢٤` finds `2024`. English stemming is the index's
job (SQLite's porter tokenizer, PostgreSQL's `english` configuration); `stem_key` mirrors it for highlighting.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import snowballstemmer

# One entry per rule of the table in docs/search.md (keep them in step).
FOLDS: dict[str, str] = {
    "\u0623": "\u0627",  # أ alef with hamza above -> ا
    "\u0625": "\u0627",  # إ alef with hamza below -> ا
    "\u0622": "\u0627",  # آ alef with madda -> ا
    "\u0671": "\u0627",  # ٱ alef wasla -> ا
    "\u0672": "\u0627",  # ٲ alef with wavy hamza above -> ا
    "\u0673": "\u0627",  # ٳ alef with wavy hamza below -> ا
    "\u0624": "\u0648",  # ؤ waw with hamza -> و
    "\u0626": "\u064a",  # ئ yeh with hamza -> ي
    "\u0649": "\u064a",  # ى alef maqsura -> ي
    "\u06cc": "\u064a",  # ی Farsi yeh -> ي
    "\u0629": "\u0647",  # ة taa marbuta -> ه
    "\u06c0": "\u0647",  # ۀ heh with yeh above -> ه
    "\u06a9": "\u0643",  # ک keheh -> ك
}
DIACRITICS = [chr(c) for c in (*range(0x064B, 0x0660), 0x0670, *range(0x0610, 0x061B), *range(0x06D6, 0x06EE))]
TATWEEL = "\u0640"
INVISIBLE = ["\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff", "\u00ad"]  # joiners, marks, soft hyphen
DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}


def _table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(k): v for k, v in (FOLDS | DIGITS).items()}
    for char in (*DIACRITICS, TATWEEL, *INVISIBLE):
        table[ord(char)] = None
    # Arabic presentation forms (old fonts, PDFs turned into HTML) fold to the letters they draw.
    for code in (*range(0xFB50, 0xFDFE), *range(0xFE70, 0xFEFD)):
        char = chr(code)
        if unicodedata.category(char).startswith("L"):
            table[code] = unicodedata.normalize("NFKC", char).translate(_BASE)
    return table


_BASE: dict[int, str | None] = {ord(k): v for k, v in FOLDS.items()}
TABLE = _table()
WORD = re.compile(r"(?:[^\W_]|[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640])+")
TOKEN = re.compile(r"[^\W_]+")
_PORTER = snowballstemmer.stemmer("porter")


# The definite article, alone or after a one-letter preposition or conjunction, comes off a word of at least three
# more letters (`الانتخابات`, `للانتخابات`, `والانتخابات` all match `انتخابات`). Nothing else is cut: a light touch
# keeps `وزير` and `بلدية` whole, where stripping every `و` and `ب` would merge unrelated words.
ARTICLE = re.compile(r"\b(?:وال|بال|كال|فال|لل|ال)(?=[\u0621-\u064a]{3})")


def normalize(text: str) -> str:
    """The matching form of `text` (index and query both go through this)."""
    return ARTICLE.sub("", text.translate(TABLE).lower())


def words(text: str) -> Iterator[re.Match[str]]:
    """The words of archived text with their places (diacritics and tatweel stay inside the word they mark)."""
    return WORD.finditer(text)


def tokens(normalized: str) -> list[str]:
    """The index tokens of normalised text (letters and digits; punctuation and `_` separate, as in FTS5)."""
    return TOKEN.findall(normalized)


@lru_cache(maxsize=65536)
def stem_key(word: str) -> str:
    """What the index keeps of one word: normalised, and stemmed when it is Latin (Porter, as SQLite's tokenizer)."""
    norm = normalize(word)
    return _PORTER.stemWord(norm) if norm.isascii() else norm
