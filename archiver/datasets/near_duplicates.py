"""Near-duplicate stories in an export: an aggregator's repost and its original, one story on two outlets.

MinHash over word 5-shingles of the normalised title and body, banded for locality-sensitive lookup; a candidate
pair is linked when its estimated Jaccard similarity reaches MATCH_THRESHOLD. Paragraphs found in
STOCK_MIN_ARTICLES or more articles (an outlet's stock background lines) are left out of the signatures, so they
cannot make unrelated stories look alike; paragraphs are counted per site, because a story reposted on several
sites repeats all of its paragraphs and must still match. Normalisation is for matching only: exported text is
never changed.
Each cluster is named by its canonical row: the one the others name as their `original_source`, else the earliest
published. Index state lives in a SQLite file in a scratch directory, so memory does not grow with the archive
(only the linked articles' cluster map is held while clusters are formed).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from archiver.datasets.columns import utc_text
from archiver.urls import normalize_url

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


def _sign(article: dict[str, Any], stock: set[int]) -> np.ndarray | None:
    paragraphs = [p for p in str(article.get("body") or "").split("\n\n") if p.strip()]
    kept = [p for p in paragraphs if _paragraph_key(p) not in stock] if stock else paragraphs
    words = " ".join(kept).split()[:SIGNATURE_WORDS]
    return signature([str(article.get("title") or ""), " ".join(words)])


def _bands(sig: np.ndarray) -> list[tuple[int, int]]:
    rows = PERMUTATIONS // BANDS
    return [(b, _hash64(sig[b * rows : (b + 1) * rows].tobytes().hex())) for b in range(BANDS)]


def _source_of(article: dict[str, Any]) -> tuple[str | None, str | None]:
    source = article.get("original_source")
    if not isinstance(source, dict):
        return None, None
    url = source.get("url")
    name = source.get("name")
    return (normalize_url(str(url)) if url else None), (normalise(str(name)) if name else None)


class NearDuplicates:
    """`observe` each selected article once (with where to find it again), `resolve`, then `links` per article id.

    Signatures are taken as the articles stream by; once every paragraph is counted, the few articles that carry an
    outlet's stock paragraphs are signed again without them (read back through `reread`)."""

    def __init__(self, scratch: Path, site_names: Mapping[str, str] | None = None) -> None:
        # "Al Wasat (بوابة الوسط)": a source line may give either form of the name.
        self._site_names = {
            site: {normalise(part) for part in (name, *re.split(r"[()]", name))} - {""}
            for site, name in (site_names or {}).items()
        }
        self._db = sqlite3.connect(scratch / "near-duplicates.sqlite")
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE paragraph (site TEXT, hash INTEGER, articles INTEGER NOT NULL, PRIMARY KEY (site, hash));
            CREATE TABLE article (id TEXT PRIMARY KEY, site TEXT, urls TEXT, source_url TEXT, source_name TEXT,
                published TEXT, fetched TEXT, position INTEGER, paragraphs BLOB, signature BLOB);
            CREATE TABLE band (band INTEGER, hash INTEGER, id TEXT);
            CREATE TABLE link (id TEXT PRIMARY KEY, canonical TEXT NOT NULL);
            """
        )

    def observe(self, article: dict[str, Any], position: int) -> None:
        """Count the article's paragraphs and sign it; later versions of an article already seen are skipped."""
        article_id = str(article["id"])
        if self._db.execute("SELECT 1 FROM article WHERE id = ?", (article_id,)).fetchone():
            return
        site = str(article.get("site"))
        hashes = sorted({_paragraph_key(p) for p in str(article.get("body") or "").split("\n\n") if p.strip()})
        self._db.executemany(
            "INSERT INTO paragraph VALUES (?, ?, 1) ON CONFLICT(site, hash) DO UPDATE SET articles = articles + 1",
            [(site, h) for h in hashes],
        )
        sig = _sign(article, set())
        urls = {normalize_url(str(u)) for u in (article.get("url"), article.get("canonical_url")) if u}
        source_url, source_name = _source_of(article)
        self._db.execute(
            "INSERT INTO article VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article_id,
                site,
                "\n".join(sorted(urls)),
                source_url,
                source_name,
                utc_text(article.get("published_at")),
                str((article.get("capture") or {}).get("fetched_at") or ""),
                position,
                np.asarray(hashes, dtype=np.int64).tobytes(),
                sig.tobytes() if sig is not None else None,
            ),
        )
        if sig is not None:
            self._db.executemany("INSERT INTO band VALUES (?, ?, ?)", [(b, h, article_id) for b, h in _bands(sig)])

    def _drop_stock_paragraphs(self, reread: Callable[[int], dict[str, Any]]) -> None:
        stock: dict[str, set[int]] = {}
        query = "SELECT site, hash FROM paragraph WHERE articles >= ?"
        for site, value in self._db.execute(query, (STOCK_MIN_ARTICLES,)):
            stock.setdefault(site, set()).add(value)
        if not stock:
            return
        affected = [
            (article_id, site, position)
            for article_id, site, position, blob in self._db.execute(
                "SELECT id, site, position, paragraphs FROM article"
            )
            if site in stock and not stock[site].isdisjoint(np.frombuffer(blob, dtype=np.int64).tolist())
        ]
        for article_id, site, position in affected:
            sig = _sign(reread(position), stock[site])
            self._db.execute("DELETE FROM band WHERE id = ?", (article_id,))
            blob = sig.tobytes() if sig is not None else None
            self._db.execute("UPDATE article SET signature = ? WHERE id = ?", (blob, article_id))
            if sig is not None:
                self._db.executemany("INSERT INTO band VALUES (?, ?, ?)", [(b, h, article_id) for b, h in _bands(sig)])

    def resolve(self, reread: Callable[[int], dict[str, Any]]) -> None:
        """Link every pair of matching articles into clusters and name each cluster's canonical row."""
        self._drop_stock_paragraphs(reread)
        self._db.execute("CREATE INDEX band_lookup ON band (band, hash)")
        parent: dict[str, str] = {}

        def root(node: str) -> str:
            while parent.get(node, node) != node:
                node = parent[node]
            return node

        pairs = self._db.execute(
            "SELECT DISTINCT a.id, b.id FROM band a JOIN band b ON a.band = b.band AND a.hash = b.hash AND a.id < b.id"
        ).fetchall()
        for first, second in pairs:
            sigs = [
                np.frombuffer(row[0], dtype=np.uint64)
                for row in self._db.execute("SELECT signature FROM article WHERE id IN (?, ?)", (first, second))
            ]
            if len(sigs) == 2 and float(np.mean(sigs[0] == sigs[1])) >= MATCH_THRESHOLD:
                parent.setdefault(first, first)
                parent.setdefault(second, second)
                parent[root(second)] = root(first)
        clusters: dict[str, list[str]] = {}
        for node in parent:
            clusters.setdefault(root(node), []).append(node)
        for members in clusters.values():
            canonical = self._canonical(members)
            self._db.executemany("INSERT INTO link VALUES (?, ?)", [(m, canonical) for m in members])

    def _canonical(self, members: list[str]) -> str:
        """The row the others name as their source; else one that names no source; else the earliest published
        (then the earliest captured, then the smaller id)."""
        marks = ", ".join("?" for _ in members)
        rows = self._db.execute(
            f"SELECT id, site, urls, source_url, source_name, published, fetched FROM article WHERE id IN ({marks})",
            members,
        ).fetchall()

        def named(row: tuple[Any, ...]) -> bool:
            urls = set(str(row[2]).split("\n")) - {""}
            names = {normalise(str(row[1])), *self._site_names.get(str(row[1]), set())} - {""}
            return any(
                other[0] != row[0] and ((other[3] and other[3] in urls) or (other[4] and other[4] in names))
                for other in rows
            )

        def order(row: tuple[Any, ...]) -> tuple[bool, bool, str, str, str]:
            return (not named(row), bool(row[3] or row[4]), row[5] or "9999", row[6] or "", row[0])

        return str(min(rows, key=order)[0])

    def links(self, article_id: str) -> tuple[str, str | None]:
        """(cluster_id, duplicate_of): a cluster is named by its canonical row, which duplicates nothing."""
        row = self._db.execute("SELECT canonical FROM link WHERE id = ?", (article_id,)).fetchone()
        canonical = str(row[0]) if row else article_id
        return canonical, (None if canonical == article_id else canonical)

    def close(self) -> None:
        self._db.close()
