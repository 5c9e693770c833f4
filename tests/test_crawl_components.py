"""Each crawl component built from plain values, without a crawl: the scope, the scope middleware, the capture
middleware and the article pipeline around one real CrawlArchive on a local store, and the archive extension
found through a real (unstarted) Scrapy crawler."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.extension import ExtensionManager
from scrapy.http import HtmlResponse, Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

import archiver
from archiver.crawl.archive.crawl_archive import CrawlArchive
from archiver.crawl.archive.extension import ArchiveExtension, archive_of, hand_over, installed_archive
from archiver.crawl.archive.pipeline import ArticlePipeline
from archiver.crawl.archive.spool import Spool
from archiver.crawl.capture.middleware import CAPTURE_META_KEY, WarcCaptureMiddleware
from archiver.crawl.capture.wiretap import WIRE_META_KEY, WireExchange
from archiver.crawl.discovery.crawl_scope import CrawlScope
from archiver.crawl.discovery.scope import OriginScopeMiddleware
from archiver.store import Store, open_store
from archiver.warc.records import utcnow

SITE = "alwasat.example"
URL = "https://alwasat.example/news/2024/05/01/tripoli-council"
TITLE = "المجلس البلدي طرابلس يعقد اجتماعه الدوري"
PARAGRAPH = "عقد المجلس البلدي في طرابلس اجتماعه الدوري يوم الأربعاء ١٢ مايو لمناقشة خطة النظافة والمياه في الأحياء. "
PAGE = (
    f'<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{TITLE}</title></head><body><article>'
    f"<h1>{TITLE}</h1>" + f"<p>{PARAGRAPH * 4}</p>" * 5 + "</article></body></html>"
).encode()


class Stats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] += count


def scope() -> CrawlScope:
    return CrawlScope.of([(SITE, ["alwasat.example:443"])], ["https://alwasat.example/"])


def archive_in(root: Path) -> CrawlArchive:
    store = open_store(str(root / "store"))
    return CrawlArchive(store, Spool(root / "spool"), "unit-1", utcnow(), {"sites": [SITE]})


def exchange() -> WireExchange:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
    return WireExchange(
        sent=bytearray(b"GET /news/2024/05/01/tripoli-council HTTP/1.1\r\nHost: alwasat.example\r\n\r\n"),
        received=bytearray(head + f"Content-Length: {len(PAGE)}\r\n\r\n".encode() + PAGE),
        peer_ip="127.0.0.1",
    )


def read(store: Store, key: str) -> bytes:
    with store.open(key) as stream:
        return stream.read()


def test_the_scope_names_the_site_of_a_url_and_what_it_covers() -> None:
    covered = scope()
    assert covered.covers(URL) and covered.site_for_url(URL) == SITE
    assert not covered.covers("https://evil.example/x")
    assert covered.site_for_url("https://evil.example/x") == "evil.example"
    assert CrawlScope.of([], ["http://127.0.0.5:8080/"]).named_addresses == {"127.0.0.5"}


def test_scope_middleware_drops_off_site_requests_and_counts_them() -> None:
    stats = Stats()
    middleware = OriginScopeMiddleware(scope(), stats)
    assert middleware.process_request(Request(URL)) is None
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("https://evil.example/x"))
    assert stats.values["archiver/offsite_dropped"] == 1
    assert OriginScopeMiddleware(None, stats).process_request(Request("https://evil.example/x")) is None


def test_capture_middleware_and_pipeline_store_an_arabic_article_without_a_crawl(tmp_path: Path) -> None:
    archive = archive_in(tmp_path)
    stats = Stats()
    capture_mw = WarcCaptureMiddleware(archive, scope(), stats)
    request = Request(URL, meta={WIRE_META_KEY: exchange()})
    response = HtmlResponse(URL, body=PAGE, encoding="utf-8", request=request)
    assert capture_mw.process_response(request, response) is response
    capture = request.meta[CAPTURE_META_KEY]
    assert capture.url == URL and capture.status == 200 and capture.warc_file.endswith(".warc.gz")

    article = archiver.extract(PAGE, URL, {"Content-Type": "text/html; charset=utf-8"})
    item = {"site": SITE, "article": article, "capture": capture, "fetched_at": utcnow()}
    stored = ArticlePipeline(archive).process_item(item)
    assert isinstance(stored, dict) and stored["key"].startswith(f"articles/{SITE}/")
    manifest_key = archive.close(utcnow(), {})

    store = open_store(str(tmp_path / "store"))
    body = json.loads(read(store, stored["key"]))
    assert body["title"] == TITLE and body["capture"]["record_id"] == capture.record_id
    keys = {entry["key"] for entry in json.loads(read(store, manifest_key))["objects"]}
    assert stored["key"] in keys and any(key.endswith(capture.warc_file) for key in keys)

    capture_mw.process_exception(Request(URL, meta={WIRE_META_KEY: exchange()}), ConnectionError("cut"))
    assert stats.values["archiver/partial_exchanges_dropped"] == 1


def test_the_archive_extension_is_found_through_the_crawler(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        ArchiveExtension.from_crawler(get_crawler())

    settings = {"EXTENSIONS_BASE": {}, "EXTENSIONS": {"archiver.crawl.archive.extension.ArchiveExtension": 0}}
    crawler = Crawler(Spider, settings)
    archive = archive_in(tmp_path)
    hand_over(crawler, archive, scope())
    crawler.stats = MemoryStatsCollector(crawler)  # what crawl() sets up first, without starting a reactor
    crawler.extensions = ExtensionManager.from_crawler(crawler)
    extension = archive_of(crawler)
    assert installed_archive(crawler) is extension
    assert extension.archive is archive and extension.scope == scope()
    assert OriginScopeMiddleware.from_crawler(crawler).scope == scope()
    assert WarcCaptureMiddleware.from_crawler(crawler).archive is archive
    assert ArticlePipeline.from_crawler(crawler).archive is archive
    archive.close(utcnow(), {})


class _Finished:
    """Stands in for the leasing scheduler's one method the lease middlewares call (no Redis needed to see them
    end a request's lease: tests/test_distributed.py runs the real scheduler against Redis)."""

    def __init__(self) -> None:
        self.finished: list[str] = []

    def finish(self, request: Request) -> None:
        self.finished.append(request.url)


def test_lease_middlewares_are_built_from_a_scheduler_lookup_and_end_the_lease() -> None:
    from archiver.distributed.scheduler import LeaseReleaseDownloaderMiddleware, LeaseReleaseSpiderMiddleware

    scheduler = _Finished()
    request = Request(URL)
    response = HtmlResponse(URL, body=PAGE, request=request)
    spider_mw = LeaseReleaseSpiderMiddleware(lambda: scheduler)  # type: ignore[arg-type, return-value]
    assert list(spider_mw.process_spider_output(response, iter([1, 2]))) == [1, 2]
    download_mw = LeaseReleaseDownloaderMiddleware(lambda: scheduler)  # type: ignore[arg-type, return-value]
    assert download_mw.process_exception(request, TimeoutError()) is None
    assert scheduler.finished == [URL, URL]
    # Before the engine has a leasing scheduler (or in a crawl without one) nothing is ended, nothing fails.
    assert LeaseReleaseDownloaderMiddleware(lambda: None).process_exception(request, TimeoutError()) is None
