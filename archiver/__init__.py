"""Libya News Archive: faithful WARC captures and cleaned article JSON for Libyan news."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__version__ = "0.1.0"
SOFTWARE = f"libya-news-archiver/{__version__}"

__all__ = ["SOFTWARE", "__version__", "extract"]


def extract(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Article fields (docs/formats.md, article JSON, without `capture`) for one page; the same code the crawl uses."""
    from archiver.extraction.article import extract_article

    return extract_article(body, url, headers)
