"""Item pipeline: store each extracted article as JSON beside its capture (through the crawl's archive)."""

from __future__ import annotations

from typing import Any

from archiver.crawl.archive import CaptureRef


class ArticlePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArticlePipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        capture: CaptureRef = item["capture"]
        article = dict(item["article"], site=item["site"], capture=capture.as_dict())
        key = self.crawler.spider.archive.record_article(
            item["site"],
            article,
            capture,
            item["fetched_at"],
            item.get("profile"),
            item.get("selectors"),
            item.get("layers"),
        )
        return {"key": key, "id": article["id"], "url": article["url"]}
