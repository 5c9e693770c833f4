"""Near-duplicate stories in an export: an aggregator's repost and its original, one story on two outlets.

MinHash over word 5-shingles of the normalised title and body, banded for locality-sensitive
lookup (a shingle is hashed from its words' CRC-32s); a candidate pair is linked when its estimated Jaccard
similarity reaches MATCH_THRESHOLD. Paragraphs found in
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
import json
import re
import sqlite3
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from archiver.catalog.versions import ArticleVersion
from archiver.datasets.canonical import Member, canonical
from archiver.datasets.columns import utc_text
from archiver.urls import normalize_url

SHINGLE_WORDS = 5
PERMUTATIONS = 64
BANDS = 16  # of PERMUTATIONS // BANDS rows each
MATCH_THRESHOLD = 0.5
STOCK_MIN_ARTICLES = 3  # articles of one site sharing a paragraph
SIGNATURE_WORDS = 400  # reposts share their opening; a signature reads the title and this many words of text
SEED = 20261129
# The version of what `describe` computes, kept with each catalogued article version: a change to the settings
# above changes it, and REVISION is raised by hand when the normalisation or hashing code changes.
REVISION = 1
FEATURES = zlib.crc32(repr((REVISION, SHINGLE_WORDS, PERMUTATIONS, BANDS, SIGNATURE_WORDS, SEED)).encode()) >> 1

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
_RNG = np.random.default_rng(SEED)  # fixed: the same archive gives the same clusters on every run
# Multiply-add hashing modulo 2**64 (numpy's unsigned wrap-around): an odd multiplier permutes the 64-bit values.
_A = _RNG.integers(0, 1 << 63, PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _RNG.integers(0, 1 << 63, PERMUTATIONS, dtype=np.uint64)


def normalise(text: str) -> str:
    """Text for matching only: NFKC, no diacritics or tatweel, one form of alef/yaa/taa marbuta, ASCII digits."""
    text = ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text)).translate(LETTER_FORMS).lower()
    return " ".join(NOT_WORD.sub(" ", text).split())


def _paragraph_key(paragraph: str) -> int:
    # Stock lines are pasted verbatim by the same outlet: collapsing white space is enough to recognise them.
    # CRC-32 and Adler-32 side by side: 64 bits, cheap, and collisions only make a paragraph look stock.
    data = " ".join(paragraph.split()).encode("utf-8")
    return ((zlib.crc32(data) << 32) | zlib.adler32(data)) - (1 << 63)


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant: shingle hash = polynomial over its word hashes
CACHED_TOKENS = 100_000
_token_hashes: dict[str, tuple[int, ...]] = {}


def _hashes_of(token: str) -> tuple[int, ...]:
    """CRC-32 of each normalised word of one white-space token; cached, since news text repeats its words."""
    found = _token_hashes.get(token)
    if found is None:
        found = tuple(zlib.crc32(word.encode("utf-8")) for word in normalise(token).split())
        if len(_token_hashes) >= CACHED_TOKENS:
            _token_hashes.clear()  # bounded memory; a fresh cache costs a few misses
        _token_hashes[token] = found
    return found


def signature(texts: Iterable[str], limit: int | None = None) -> np.ndarray | None:
    """MinHash of the word shingles of `texts` (the last one cut at `limit` words)."""
    # Normalising token by token gives the words normalising the whole text would (no rule crosses white space).
    parts = [(t if unicodedata.is_normalized("NFKC", t) else unicodedata.normalize("NFKC", t)).split() for t in texts]
    if limit is not None and parts:
        parts[-1] = parts[-1][:limit]
    tokens = list(chain.from_iterable(parts))
    found = list(map(_token_hashes.get, tokens))  # map, not a loop: no bytecode per word on the common path
    if None in found:
        found = list(map(_hashes_of, tokens))
    words = np.fromiter(chain.from_iterable(found), dtype=np.uint64)  # type: ignore[arg-type]
    if not words.size:
        return None
    count = max(1, words.size - SHINGLE_WORDS + 1)
    shingles = words[:count].copy()
    for k in range(1, min(SHINGLE_WORDS, words.size)):
        shingles = shingles * _MIX + words[k : k + count]
    return np.asarray((np.outer(_A, shingles) + _B[:, None]).min(axis=1), dtype=np.uint64)


def _sign(article: dict[str, Any], stock: set[int]) -> np.ndarray | None:
    body = str(article.get("body") or "")
    if stock:
        body = "\n\n".join(p for p in body.split("\n\n") if _paragraph_key(p) not in stock)
    return signature([str(article.get("title") or ""), body], SIGNATURE_WORDS)


_BAND_MIX = _RNG.integers(1, 1 << 63, PERMUTATIONS // BANDS, dtype=np.uint64) | np.uint64(1)


def _bands(sig: np.ndarray) -> list[int]:
    """One 64-bit key per band of rows of the signature (SQLite integers are signed: viewed as int64)."""
    keys = (sig.reshape(BANDS, PERMUTATIONS // BANDS) * _BAND_MIX).sum(axis=1, dtype=np.uint64)
    return [int(k) for k in keys.view(np.int64)]


def _source_of(article: dict[str, Any]) -> tuple[str | None, str | None]:
    source = article.get("original_source")
    if not isinstance(source, dict):
        return None, None
    url, name = source.get("url"), source.get("name")
    return (str(url) if url else None), (str(name) if name else None)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def describe(key: str, article: dict[str, Any]) -> ArticleVersion:
    """What the catalog keeps of one article version (archiver/catalog/versions.py): computed once, when the
    version is first read, then looked up by its store key."""
    body = str(article.get("body") or "")
    hashes = sorted({_paragraph_key(p) for p in body.split("\n\n") if p.strip()})
    sig = _sign(article, set())
    source_url, source_name = _source_of(article)
    authors = article.get("authors")
    return ArticleVersion(
        article_key=key,
        article_id=str(article["id"]),
        site=_text(article.get("site")),
        language=_text(article.get("language")),
        published_at=_text(article.get("published_at")),
        published_utc=utc_text(article.get("published_at")),
        fetched_at=str((article.get("capture") or {}).get("fetched_at") or ""),
        url=_text(article.get("url")),
        canonical_url=_text(article.get("canonical_url")),
        source_url=source_url,
        source_name=source_name,
        section=_text(article.get("section")),
        authors=json.dumps(authors, ensure_ascii=False) if authors else None,
        content_hash=_text(article.get("content_hash")),
        features=FEATURES,
        paragraphs=np.asarray(hashes, dtype=np.int64).tobytes(),
        signature=sig.tobytes() if sig is not None else None,
        bands=np.asarray(_bands(sig), dtype=np.int64).tobytes() if sig is not None else None,
    )


def faithful(article: dict[str, Any]) -> bool:
    """Whether `describe` keeps the fields an export selects and clusters on as they are (text or null): only
    such versions are catalogued; any other is described afresh on every export."""
    fields = ("site", "language", "published_at", "url", "canonical_url")
    texts = all(article.get(name) is None or isinstance(article.get(name), str) for name in fields)
    return texts and isinstance(article.get("id"), str)


class NearDuplicates:
    """`observe` each selected article version once (with where to find it again), `resolve`, then `links` per
    article id.

    Signatures come with each version (computed by `describe`, or the catalog's); once every paragraph is counted,
    the few articles that carry an outlet's stock paragraphs are signed again without them (read back through
    `reread`, from the export's own spool)."""

    def __init__(self, scratch: Path, site_names: Mapping[str, str] | None = None) -> None:
        # "Al Wasat (بوابة الوسط)": a source line may give either form of the name.
        self._site_names = {
            site: {normalise(part) for part in (name, *re.split(r"[()]", name))} - {""}
            for site, name in (site_names or {}).items()
        }
        self._db = sqlite3.connect(scratch / "near-duplicates.sqlite")
        # Tables are filled without indexes while the articles stream by (appends only); indexes come after.
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE paragraph (site TEXT, hash INTEGER);
            CREATE TABLE article (n INTEGER PRIMARY KEY, id TEXT, site TEXT, url TEXT, canonical_url TEXT,
                source_url TEXT, source_name TEXT, published TEXT, fetched TEXT, position INTEGER, paragraphs BLOB,
                signature BLOB);
            CREATE TABLE band (band INTEGER, hash INTEGER, n INTEGER);
            CREATE TABLE link (id TEXT PRIMARY KEY, canonical TEXT NOT NULL);
            CREATE TABLE row_at (position INTEGER, id TEXT);
            """
        )
        self._last_id: str | None = None
        self._count = 0
        self._pending: dict[str, list[tuple[Any, ...]]] = {"paragraph": [], "article": [], "band": [], "row_at": []}

    def _flush(self) -> None:
        for table, rows in self._pending.items():
            if rows:
                marks = ", ".join("?" for _ in rows[0])
                self._db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
                rows.clear()

    def observe(self, version: ArticleVersion, position: int) -> None:
        """Note an article version's paragraphs and signature (`describe`, or the catalog's row of it). The versions
        of one article come together (key order): only the first is used."""
        article_id = version.article_id
        self._pending["row_at"].append((position, article_id))
        if article_id == self._last_id:
            return
        self._last_id = article_id
        self._count += 1
        n = self._count  # the article's number: band rows name it by this, a small integer, not its id
        site = str(version.site)
        hashes = np.frombuffer(version.paragraphs, dtype=np.int64).tolist()
        self._pending["paragraph"] += [(site, h) for h in hashes]
        self._pending["article"].append(
            (
                n,
                article_id,
                site,
                version.url,
                version.canonical_url,
                version.source_url,
                version.source_name,
                version.published_utc,
                version.fetched_at or "",
                position,
                version.paragraphs,
                version.signature,
            )
        )
        if version.bands is not None:
            keys = np.frombuffer(version.bands, dtype=np.int64).tolist()
            self._pending["band"] += [(b, h, n) for b, h in enumerate(keys)]
        if len(self._pending["article"]) >= 1000:
            self._flush()

    def _drop_stock_paragraphs(self, reread: Callable[[int], dict[str, Any]]) -> None:
        stock: dict[str, set[int]] = {}
        query = "SELECT site, hash FROM paragraph GROUP BY site, hash HAVING COUNT(*) >= ?"
        for site, value in self._db.execute(query, (STOCK_MIN_ARTICLES,)):
            stock.setdefault(site, set()).add(value)
        if not stock:
            return
        self._db.execute("CREATE INDEX band_by_n ON band (n)")
        affected = [
            (n, site, position)
            for n, site, position, blob in self._db.execute("SELECT n, site, position, paragraphs FROM article")
            if site in stock and not stock[site].isdisjoint(np.frombuffer(blob, dtype=np.int64).tolist())
        ]
        for n, site, position in affected:
            sig = _sign(reread(position), stock[site])
            self._db.execute("DELETE FROM band WHERE n = ?", (n,))
            blob = sig.tobytes() if sig is not None else None
            self._db.execute("UPDATE article SET signature = ? WHERE n = ?", (blob, n))
            if sig is not None:
                rows = [(b, h, n) for b, h in enumerate(_bands(sig))]
                self._db.executemany("INSERT INTO band VALUES (?, ?, ?)", rows)

    def resolve(self, reread: Callable[[int], dict[str, Any]]) -> None:
        """Link every pair of matching articles into clusters and name each cluster's canonical row."""
        self._flush()
        self._db.execute("CREATE INDEX article_by_id ON article (id)")
        self._drop_stock_paragraphs(reread)
        self._db.execute("CREATE INDEX band_lookup ON band (band, hash, n)")
        parent: dict[str, str] = {}

        def root(node: str) -> str:
            while parent.get(node, node) != node:
                node = parent[node]
            return node

        # Candidate pairs share a band key: the keys held by two or more articles first (one ordered scan of the
        # covering index), then their articles, then both signatures to compare.
        pairs = self._db.execute(
            "SELECT x.id, y.id, x.signature, y.signature FROM (SELECT DISTINCT a.n AS first, b.n AS second "
            "FROM (SELECT band, hash FROM band GROUP BY band, hash HAVING COUNT(*) > 1) g "
            "JOIN band a ON a.band = g.band AND a.hash = g.hash "
            "JOIN band b ON b.band = g.band AND b.hash = g.hash AND a.n < b.n) p "
            "JOIN article x ON x.n = p.first JOIN article y ON y.n = p.second"
        )
        for first, second, one, other in pairs:
            sigs = [np.frombuffer(one, dtype=np.uint64), np.frombuffer(other, dtype=np.uint64)]
            if float(np.mean(sigs[0] == sigs[1])) >= MATCH_THRESHOLD:
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
        marks = ", ".join("?" for _ in members)
        rows = self._db.execute(
            f"SELECT id, site, url, canonical_url, source_url, source_name, published, fetched FROM article "
            f"WHERE id IN ({marks})",
            members,
        ).fetchall()
        return canonical(
            Member(
                id=str(row[0]),
                names=frozenset({normalise(str(row[1])), *self._site_names.get(str(row[1]), set())} - {""}),
                urls=frozenset(normalize_url(str(u)) for u in (row[2], row[3]) if u),
                source_url=normalize_url(row[4]) if row[4] else None,
                source_name=normalise(row[5]) if row[5] else None,
                published_utc=row[6],
                fetched=row[7],
            )
            for row in rows
        )

    def linked_positions(self) -> Iterator[int]:
        """Where the rows that belong to a cluster of two or more are, in order (every version of each)."""
        cursor = self._db.cursor()
        cursor.execute("SELECT r.position FROM row_at r JOIN link l ON l.id = r.id ORDER BY r.position")
        for (position,) in cursor:
            yield int(position)

    def links(self, article_id: str) -> tuple[str, str | None]:
        """(cluster_id, duplicate_of): a cluster is named by its canonical row, which duplicates nothing."""
        row = self._db.execute("SELECT canonical FROM link WHERE id = ?", (article_id,)).fetchone()
        canonical = str(row[0]) if row else article_id
        return canonical, (None if canonical == article_id else canonical)

    def close(self) -> None:
        self._db.close()
