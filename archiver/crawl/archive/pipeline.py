"""Item pipeline: store each extracted article as JSON beside its capture (through the crawl's archive).

A new version first claims its content hash in the store on a thread (a put the store lets only one writer make),
then its metadata record is written on the reactor thread naming the version that holds the claim."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from archiver.crawl.archive.crawl_archive import ArticleDraft, CaptureRef, CrawlArchive, ExtractionEvidence
from archiver.crawl.archive.extension import archive_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class ArticlePipeline:
    def __init__(self, archive: CrawlArchive) -> None:
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticlePipeline:
        return cls(archive_of(crawler).archive)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any] | Deferred[dict[str, Any]]:
        capture: CaptureRef = item["capture"]
        article = dict(item["article"], site=item["site"], capture=capture.as_dict())
        archive = self.archive
        evidence = ExtractionEvidence(item.get("profile"), item.get("selectors") or [], item.get("layers"))
        draft = archive.draft_article(item["site"], article, capture, item["fetched_at"], evidence)
        if draft is None:
            return _result("", article)
        if draft.claim_key is None:
            return _result(archive.record_article(draft), article)
        if archive.claims_are_local:  # a few file operations: cheaper here than a hop to a thread and back
            try:
                holder = archive.claim_version(draft)
            except Exception as exc:  # noqa: BLE001 - the store failed: the crawl stops, the spool keeps the JSON
                archive.claim_failed(exc)
                return _result("", article)
            return _result(archive.record_article(draft, holder), article)
        claimed: Deferred[str] = deferToThread(archive.claim_version, draft)
        return claimed.addCallbacks(
            lambda holder: _result(archive.record_article(draft, holder), article),
            lambda failure: _failed(archive, draft, failure),
        )


def _failed(archive: CrawlArchive, draft: ArticleDraft, failure: Failure) -> dict[str, Any]:
    # The store failed: the crawl stops; the JSON stays in the spool's pending log for the next crawl.
    archive.claim_failed(failure.value)
    return _result("", draft.article)


def _result(key: str, article: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "id": article["id"], "url": article["url"]}
