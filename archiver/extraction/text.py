"""Text normalisation for matching and hashing only; archived text itself is never rewritten."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")


def clean_whitespace(text: str) -> str:
    """Collapse runs of white space to one space and trim (the 'whitespace-normalised' of docs/formats.md)."""
    return " ".join(text.split())  # str.split() splits on exactly the characters r"\s" matches, and faster


def content_hash(title: str | None, body: str | None) -> str:
    """sha256 over NFC, whitespace-collapsed title and body: equal text gives an equal hash."""
    normal = "\n".join(unicodedata.normalize("NFC", clean_whitespace(part or "")) for part in (title, body))
    return "sha256:" + hashlib.sha256(normal.encode("utf-8")).hexdigest()


def script_language(text: str) -> str | None:
    """'ar' or 'en' from the letters of a text, None when there are too few letters to tell."""
    sample = text[:20000]
    arabic = len(_ARABIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    if arabic + latin < 20:
        return None
    return "ar" if arabic >= latin else "en"
