"""What a reader asks (SearchQuery), what comes back (SearchPage, SearchHit), and the query syntax.

Syntax: words must all occur (in any order, English words in any form: `elections` finds `election`); a
"quoted phrase" (also «...» or “...”) must occur as written, word after word; `-word` or `-"phrase"` excludes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from archiver.search.normalize import normalize, tokens

Highlight = tuple[int, int]  # [start, end) character offsets into the text they belong to


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    sites: tuple[str, ...] = ()
    date_from: date | None = None  # publication date (as published, Libya local time for most sites), inclusive
    date_to: date | None = None
    language: str | None = None
    section: str | None = None
    author: str | None = None
    sort: Literal["relevance", "date"] = "relevance"
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class SearchHit:
    """One article (its newest archived version). `snippet` and `title` are archived text as stored, never
    HTML: `highlights` are [start, end) offsets of the matched words in `snippet`, `title_highlights` in `title`;
    escaping them is the caller's job."""

    url: str
    site: str
    title: str
    published_at: str | None
    snippet: str
    article_key: str
    highlights: tuple[Highlight, ...] = ()
    title_highlights: tuple[Highlight, ...] = ()
    language: str | None = None
    captured_at: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "site": self.site,
            "title": self.title,
            "published_at": self.published_at,
            "snippet": self.snippet,
            "article_key": self.article_key,
            "highlights": [list(h) for h in self.highlights],
            "title_highlights": [list(h) for h in self.title_highlights],
            "language": self.language,
            "captured_at": self.captured_at,
        }


@dataclass(frozen=True)
class SearchPage:
    total: int
    results: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # {"site": {id: n}, "month": {"YYYY-MM": n}}

    def as_json(self) -> dict[str, Any]:
        return {"total": self.total, "results": [hit.as_json() for hit in self.results], "facets": self.facets}


@dataclass(frozen=True)
class ParsedQuery:
    """A query in matching form: each entry a tuple of normalised tokens (one token: a word; more: a phrase)."""

    required: tuple[tuple[str, ...], ...]
    excluded: tuple[tuple[str, ...], ...]

    @property
    def empty(self) -> bool:
        return not self.required and not self.excluded

    def fts5(self) -> str:
        """The SQLite FTS5 MATCH expression: every part quoted, so no reader's text is taken as FTS5 syntax."""
        positive = " AND ".join(_quoted(part) for part in self.required)
        return positive + "".join(f" NOT {_quoted(part)}" for part in self.excluded)

    def websearch(self) -> str:
        """The same query for PostgreSQL's websearch_to_tsquery."""
        parts = [_ws(part) for part in self.required] + ["-" + _ws(part) for part in self.excluded]
        return " ".join(parts)

    def words(self) -> set[str]:
        return {token for part in self.required for token in part}


def _quoted(part: tuple[str, ...]) -> str:
    return '"' + " ".join(part) + '"'  # tokens hold no quote: normalised text split into letters and digits


def _ws(part: tuple[str, ...]) -> str:
    return part[0] if len(part) == 1 else '"' + " ".join(part) + '"'


QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "″": '"'})
PART = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


def parse_query(text: str) -> ParsedQuery:
    required: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    for match in PART.finditer(text.translate(QUOTES)):
        negative = bool(match.group(1) or match.group(3))
        words = tokens(normalize(match.group(2) if match.group(2) is not None else match.group(4)))
        if not words:
            continue
        # A phrase, or one word as written that the index holds as several tokens (`al-Sarraj`, `2024/05`): the
        # tokens must stay adjacent.
        (excluded if negative else required).append(tuple(words))
    return ParsedQuery(tuple(dict.fromkeys(required)), tuple(dict.fromkeys(excluded)))
