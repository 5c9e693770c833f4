"""Which row of a near-duplicate cluster is the canonical one, the row the others are marked `duplicate_of`.

The row the others name as their source (an aggregator's `original_source`: its URL, or the name of the row's
site); else a row that names no source over a repost that does; else the earliest published, then the earliest
captured, then the smaller id. Capture order alone is no guide: an archive often reaches a repost before the original.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    """One row of a cluster, its URLs and names normalised by the caller the same way on both sides."""

    id: str
    names: frozenset[str]  # the forms of its site's id and name
    urls: frozenset[str]  # its URL and canonical URL
    source_url: str | None
    source_name: str | None
    published_utc: str | None
    fetched: str | None


def canonical(members: Iterable[Member]) -> str:
    rows = list(members)

    def named(row: Member) -> bool:
        return any(
            other.id != row.id
            and ((other.source_url and other.source_url in row.urls) or (other.source_name in row.names))
            for other in rows
        )

    def order(row: Member) -> tuple[bool, bool, str, str, str]:
        reposts = bool(row.source_url or row.source_name)
        return (not named(row), reposts, row.published_utc or "9999", row.fetched or "", row.id)

    return min(rows, key=order).id
