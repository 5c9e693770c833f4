"""The baseline: a bare Scrapy spider following the same links, no archiving (run by crawl_overhead.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]

    def parse(self, response: Any) -> Iterator[Any]:
        if response.css("article"):
            yield {"url": response.url, "title": response.css("h1::text").get()}
        yield from response.follow_all(css="a")


if __name__ == "__main__":
    settings = {
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
    }
    process = CrawlerProcess(settings)
    process.crawl(BareSpider, start=sys.argv[1])
    process.start()
