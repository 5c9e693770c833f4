"""Near-duplicate stories in an export: an aggregator's repost and its original, one story on two outlets.

MinHash over word 5-shingles of the normalised title and body, banded for locality-sensitive lookup; a candidate
pair is linked when its estimated Jaccard similarity reaches MATCH_THRESHOLD. Paragraphs found in
STOCK_MIN_ARTICLES or more articles (an outlet's stock background lines) are left out of the signatures, so they
cannot make unrelated stories look alike; paragraphs are counted per site, because a story reposted on several
sites repeats all of its paragraphs and must still match. Normalisation is for matching only: exported text is
never changed.
Index state lives in a SQLite file in a scratch directory, so memory does not grow with the archive.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

SHINGLE_WORDS = 5
PERMUTATIONS = 64
BANDS = 16  # of PERMUTATIONS // BANDS rows each
MATCH_THRESHOLD = 0.5
STOCK_MIN_ARTICLES = 3  # articles of one site sharing a paragraph
SIGNATURE_WORDS = 400  # reposts share their opening; a signature reads the title and this many words of text

ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # harakat, Quranic marks, tatweel
LETTER_FORMS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)
NOT_WORD = re.compile(r"[^\w]+")
_PRIME = np.uint64((1 << 61) - 1)
_RNG = np.random.default_rng(20261129)  # fixed: signatures are comparable across runs
_A = _RNG.integers(1, 1 << 32, PERMUTATIONS, dtype=np.uint64)
_B = _RNG.integers(0, 1 << 32, PERMUTATIONS, dtype=np.uint64)


def normalise(text: str) -> str:
    """Text for matching only: NFKC, no diacritics or tatweel, one form of alef/yaa/taa marbuta, ASCII digits."""
    text = ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text)).translate(LETTER_FORMS).lower()
    return " ".join(NOT_WORD.sub(" ", text).split())


def _paragraph_key(paragraph: str) -> int:
    # Stock lines are pasted verbatim by the same outlet: collapsing white space is enough to recognise them.
    return _hash64(" ".join(paragraph.split()))


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def signature(texts: Iterable[str]) -> np.ndarray | None:
    words = " ".join(normalise(t) for t in texts).split()
    if not words:
        return None
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    values = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint64, count=len(shingles))
    return np.asarray(((np.outer(_A, values) + _B[:, None]) % _PRIME).min(axis=1), dtype=np.uint64)


class NearDuplicates:
    """Three passes over the same selection: `count_paragraphs`, then `add`, then `links` per article id."""

    def __init__(self, scratch: Path) -> None:
        self._db = sqlite3.connect(scratch / "near-duplicates.sqlite")
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE paragraph (site TEXT, hash INTEGER, articles INTEGER NOT NULL, PRIMARY KEY (site, hash));
            CREATE TABLE article (id TEXT PRIMARY KEY, fetched_at TEXT, signature BLOB, parent TEXT);
            CREATE TABLE band (band INTEGER, hash INTEGER, id TEXT);
            CREATE INDEX band_lookup ON band (band, hash);
            CREATE TABLE counted (id TEXT PRIMARY KEY);
            """
        )

    def count_paragraphs(self, article: dict[str, Any]) -> None:
        if self._db.execute("INSERT OR IGNORE INTO counted VALUES (?)", (article["id"],)).rowcount == 0:
            return  # another version of an article already counted
        site = str(article.get("site"))
        hashes = {_paragraph_key(p) for p in str(article.get("body") or "").split("\n\n") if p.strip()}
        self._db.executemany(
            "INSERT INTO paragraph VALUES (?, ?, 1) ON CONFLICT(site, hash) DO UPDATE SET articles = articles + 1",
            [(site, h) for h in hashes],
        )

    def add(self, article: dict[str, Any]) -> None:
        """Sign one article and link it to any earlier-added article it matches."""
        article_id = article["id"]
        if self._db.execute("SELECT 1 FROM article WHERE id = ?", (article_id,)).fetchone():
            return
        paragraphs = [p for p in str(article.get("body") or "").split("\n\n") if p.strip()]
        kept = [p for p in paragraphs if not self._is_stock(str(article.get("site")), p)]
        words = " ".join(kept).split()[:SIGNATURE_WORDS]
        sig = signature([str(article.get("title") or ""), " ".join(words)])
        fetched = str((article.get("capture") or {}).get("fetched_at") or "")
        self._db.execute(
            "INSERT INTO article VALUES (?, ?, ?, NULL)",
            (article_id, fetched, sig.tobytes() if sig is not None else None),
        )
        if sig is None:
            return
        rows = PERMUTATIONS // BANDS
        bands = [(b, _hash64(sig[b * rows : (b + 1) * rows].tobytes().hex())) for b in range(BANDS)]
        candidates = {
            other
            for b, h in bands
            for (other,) in self._db.execute("SELECT id FROM band WHERE band = ? AND hash = ?", (b, h))
        }
        for other in candidates:
            (blob,) = self._db.execute("SELECT signature FROM article WHERE id = ?", (other,)).fetchone()
            if float(np.mean(np.frombuffer(blob, dtype=np.uint64) == sig)) >= MATCH_THRESHOLD:
                self._union(article_id, other)
        self._db.executemany("INSERT INTO band VALUES (?, ?, ?)", [(b, h, article_id) for b, h in bands])

    def _is_stock(self, site: str, paragraph: str) -> bool:
        row = self._db.execute(
            "SELECT articles FROM paragraph WHERE site = ? AND hash = ?", (site, _paragraph_key(paragraph))
        ).fetchone()
        return bool(row) and row[0] >= STOCK_MIN_ARTICLES

    def _root(self, article_id: str) -> str:
        while True:
            (parent,) = self._db.execute("SELECT parent FROM article WHERE id = ?", (article_id,)).fetchone()
            if parent is None:
                return article_id
            article_id = parent

    def _union(self, a: str, b: str) -> None:
        root_a, root_b = self._root(a), self._root(b)
        if root_a == root_b:
            return
        # The earliest capture (then the smaller id) stays the root: it is what the others duplicate.
        first, second = sorted(
            (root_a, root_b),
            key=lambda i: (self._db.execute("SELECT fetched_at FROM article WHERE id = ?", (i,)).fetchone()[0], i),
        )
        self._db.execute("UPDATE article SET parent = ? WHERE id = ?", (first, second))

    def links(self, article_id: str) -> tuple[str, str | None]:
        """(cluster_id, duplicate_of): the cluster is named by its earliest capture, which duplicates nothing."""
        root = self._root(article_id)
        return root, (None if root == article_id else root)

    def close(self) -> None:
        self._db.close()
