"""An article JSON as the search index keeps it: its filter fields and its text in matching form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from archiver.search.normalize import normalize

DOC_COLUMNS = (
    "article_id",
    "article_key",
    "captured_at",
    "url",
    "site",
    "title",
    "published_at",
    "day",
    "month",
    "sort_time",
    "language",
    "section",
    "section_norm",
    "authors",
    "authors_norm",
    "body",
)


@dataclass(frozen=True)
class Document:
    article_id: str
    article_key: str
    captured_at: str
    url: str
    site: str
    title: str
    published_at: str | None
    day: str  # YYYY-MM-DD as published (the capture day when the page gives no date)
    month: str
    sort_time: str  # UTC, ISO: the publication time, else the capture time
    language: str | None
    section: str | None
    section_norm: str | None
    authors: str  # one name a line
    authors_norm: str
    body: str
    title_norm: str
    body_norm: str

    def row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in DOC_COLUMNS)


def _utc(value: str) -> str | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%dT%H:%M:%S")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def document(article: dict[str, Any], article_key: str, captured_at: str) -> Document:
    """`captured_at`: the capture time the catalog gives (ISO, UTC) for when the page names no publication date."""
    published = article.get("published_at") if isinstance(article.get("published_at"), str) else None
    sort_time = (_utc(published) if published else None) or _utc(captured_at) or captured_at
    day = (published or captured_at)[:10]
    authors = "\n".join(str(a) for a in article.get("authors") or [] if a)
    section = article.get("section") if isinstance(article.get("section"), str) else None
    title = str(article.get("title") or "")
    body = str(article.get("body") or "")
    parts = article_key.split("/")
    return Document(
        article_id=str(article.get("id") or (parts[2] if len(parts) == 4 else article_key)),
        article_key=article_key,
        captured_at=captured_at,
        url=str(article.get("url") or ""),
        site=str(article.get("site") or (parts[1] if len(parts) > 1 else "")),
        title=title,
        published_at=published,
        day=day,
        month=day[:7],
        sort_time=sort_time,
        language=article.get("language") if isinstance(article.get("language"), str) else None,
        section=section,
        section_norm=normalize(section) if section else None,
        authors=authors,
        authors_norm=normalize(authors),
        body=body,
        title_norm=normalize(title),
        body_norm=normalize(body),
    )
