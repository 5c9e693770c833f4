"""What one crawl writes: WARC records per site through the spool, article JSON, the journal and the manifest."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urldefrag, urlsplit

from archiver import SOFTWARE
from archiver.catalog.prior import PriorCaptures
from archiver.crawl.archive.drift import ExtractionStats
from archiver.crawl.archive.manifest import write_manifest
from archiver.crawl.archive.pending import pending_path
from archiver.crawl.archive.spool import Spool
from archiver.crawl.archive.writes import StoreWriter
from archiver.crawl.capture.challenge import looks_like_challenge
from archiver.errors import StoreError
from archiver.extraction.rules import SelectorMatch
from archiver.records import Article, Capture
from archiver.store import Store
from archiver.store.batch import claims_are_local
from archiver.store.layout import article_key, version_claim_key, warc_key
from archiver.warc import records
from archiver.warc.http import skip_interim, split_message
from archiver.warc.writer import DEFAULT_MAX_SIZE, RecordLocation, RotatingWarcWriter, WarcFile

if TYPE_CHECKING:
    from archiver.crawl.capture.wiretap import WireExchange

logger = logging.getLogger(__name__)
COVERAGE_MIN_BODY_WORDS = 50


CaptureRef = Capture  # where one HTTP response lives in the archive (archiver/records/capture.py)


@dataclass(frozen=True)
class ArticleDraft:
    """An extracted article between its two steps (draft_article, then record_article)."""

    site: str
    article: dict[str, Any]
    capture: CaptureRef
    key: str  # its own new version's key, or the existing version it equals
    body: bytes | None  # the JSON of a new version; None when it equals the newest archived version
    had_version: bool  # the article had a version before (a new one is a change)
    claim_key: str | None
    evidence: ExtractionEvidence | None = None


class ExtractionEvidence(NamedTuple):
    """What the site's profile selectors matched on the page, and which layer produced each field."""

    profile: str | None
    selectors: list[SelectorMatch]
    layers: dict[str, str] | None


class CrawlArchive:
    """Owned by one crawl. Not thread-safe for writers (Scrapy calls it from the reactor thread); store writes
    (article JSON, closed WARCs) run on one background thread (archiver/crawl/archive/writes.py), so fsyncs and a 1 GB
    upload do not stall the crawl.

    Once a spool or store write has failed, `broken` holds the error: `on_broken` is called once (the runner stops
    the crawl there), and later pages are neither written nor counted, since they could not be stored."""

    def __init__(
        self,
        store: Store,
        spool: Spool,
        crawl_id: str,
        started_at: datetime,
        settings: dict[str, Any],
        max_warc_size: int = DEFAULT_MAX_SIZE,
        prior: PriorCaptures | None = None,
        capture_fields: list[tuple[str, str]] | None = None,
    ) -> None:
        """`capture_fields`: the warcinfo lines that say how the records were captured, when not by this crawl's
        wire tap (an import says where its records came from)."""
        self.store = store
        self.capture_fields = capture_fields
        self.spool = spool
        self.crawl_id = crawl_id
        self.started_at = started_at
        self.settings = settings
        self.max_warc_size = max_warc_size
        self.counts: Counter[str] = Counter()
        self.site_counts: dict[str, Counter[str]] = {}
        self.prior = prior or PriorCaptures()
        self.sites: set[str] = set()
        self.coverage_counts: dict[str, Counter[str]] = {}
        self.extraction = ExtractionStats()
        self._writers: dict[str, RotatingWarcWriter] = {}
        self.broken: BaseException | None = None
        self.on_broken: Callable[[BaseException], None] | None = None
        self._lock: IO[bytes] = spool.lock(crawl_id)
        self.writes = StoreWriter(store, spool, crawl_id, self.counts, on_failure=self._store_failed)
        self.claims_are_local = claims_are_local(store)

    # -- WARC ---------------------------------------------------------------------------------------------------
    def _writer(self, site: str) -> RotatingWarcWriter:
        if site not in self._writers:
            self.sites.add(site)

            def open_file(serial: int) -> tuple[Path, str]:
                key = warc_key(site, self.crawl_id, self.started_at, serial)
                return self.spool.open_path(key), key

            # An import's records carry their capture times; its files' warcinfo records say when they were made.
            clock = records.utcnow if self.capture_fields else None
            self._writers[site] = RotatingWarcWriter(
                open_file, self._closed, self._info_fields(site), self.max_warc_size, clock
            )
        return self._writers[site]

    def _info_fields(self, site: str) -> list[tuple[str, str]]:
        fields = [
            ("software", SOFTWARE),
            ("format", "WARC File Format 1.1"),
            ("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"),
            ("isPartOf", self.crawl_id),
            ("site", site),
            *(
                self.capture_fields
                or [
                    ("capture-method", "wire bytes tapped from the Twisted HTTP/1.1 connection (after TLS)"),
                    ("capture-fidelity", "wire: status line, headers and body as received; requests as sent"),
                    ("headers-rebuilt", "none"),
                ]
            ),
            ("payload-digest", records.PAYLOAD_DIGEST_CONVENTION),
        ]
        fields += [
            (f"setting-{name}", json.dumps(value, ensure_ascii=False)) for name, value in sorted(self.settings.items())
        ]
        return fields

    def _closed(self, warc: WarcFile) -> None:
        closed = self.spool.mark_closed(warc.path)
        self.writes.warc_closed(warc.key, closed)

    def _store_failed(self, error: BaseException) -> None:  # the store-write thread
        self._break(error)

    def _break(self, error: BaseException) -> None:
        if self.broken is None:
            self.broken = error
            if self.on_broken is not None:
                self.on_broken(error)

    def count(self, site: str, name: str, n: int = 1) -> None:
        """A counter for the whole crawl and for one site (the manifest's `counts` and `site_counts`)."""
        self.counts[name] += n
        self.site_counts.setdefault(site, Counter())[name] += n

    def record_exchange(self, site: str, url: str, exchange: WireExchange) -> CaptureRef | None:
        """Write request, response (or revisit) and capture-metadata records; None when nothing usable came.

        A 2xx body byte-identical to the URL's newest archived one becomes a revisit record (identical-payload-
        digest profile: the HTTP head as received, no body)."""
        if self.broken is not None:
            return None  # nothing can be stored any more: the crawl is stopping
        received = skip_interim(bytes(exchange.received))
        message = split_message(received)
        try:
            status = int(message.start_line.split()[1])
        except (IndexError, ValueError):
            self.counts["unparseable_responses"] += 1
            return None
        uri = urldefrag(url)[0]
        moment = exchange.started_at
        response_id, request_id = records.new_record_id(), records.new_record_id()
        digest = records.sha1_label(message.body)
        earlier = self.prior.payloads.get(uri) if 200 <= status < 300 else None
        if earlier is not None and earlier[0] == digest:
            response = records.revisit_record(
                uri,
                message.head,
                digest,
                record_id=response_id,
                moment=moment,
                ip=exchange.peer_ip,
                refers_to_uri=uri,
                refers_to_date=earlier[1],
            )
            self.count(site, "revisits")
        else:
            response = records.response_record(
                uri, received, len(message.head), record_id=response_id, moment=moment, ip=exchange.peer_ip
            )
            if 200 <= status < 300:
                self.prior.payloads[uri] = (digest, records.warc_date(moment))
        request = records.request_record(
            uri,
            bytes(exchange.sent),
            record_id=request_id,
            concurrent_to=response_id,
            moment=moment,
            ip=exchange.peer_ip,
        )
        event = [response, request]
        if exchange.tls:
            # The server's evidence (certificate chain, protocol, cipher, DNS answer); plain HTTP has none.
            evidence = [
                ("connection-reused", "yes" if exchange.connection_reused else "no"),
                *((f"tls-{name}", value) for name, value in sorted(exchange.tls.items())),
                *exchange.dns.items(),
            ]
            event.append(records.metadata_record(uri, evidence, refers_to=response_id, moment=moment))
        try:
            locations = self._writer(site).write_event(event, moment)
        except OSError as exc:  # the spool's disk is full or gone: stop fetching what cannot be kept
            self._break(exc)
            return None
        self.count(site, "captures")
        self.count(site, f"status_{status}")
        if urlsplit(uri).path == "/robots.txt":
            self.count(site, f"robots_status_{status}")  # health tells a site robots.txt shut from one that failed
        if status == 304:
            self.count(site, "not_modified")
        elif status in (404, 410) and uri in self.prior.article_urls:
            self.count(site, "gone")  # an archived article the site no longer serves; its versions stay
        if looks_like_challenge(status, message):
            self.count(site, "challenge_pages")
        where = locations[0]
        return CaptureRef(
            url=uri,
            fetched_at=moment,
            status=status,
            warc_file=where.warc_file,
            record_id=response_id,
            offset=where.offset,
            length=where.length,
            payload_digest=response.rec_headers.get_header("WARC-Payload-Digest"),
        )

    def write_records(self, site: str, event: list[Any], moment: datetime) -> list[RecordLocation] | None:
        """Write records of one event (an imported capture: response and its metadata) into the site's WARC;
        None when nothing can be stored any more."""
        if self.broken is not None:
            return None
        try:
            return self._writer(site).write_event(event, moment)
        except OSError as exc:
            self._break(exc)
            return None

    def publish_imported(self, key: str, path: Path, articles: dict[str, dict[str, str]]) -> None:
        """Hand a complete WARC file made elsewhere (in the spool, under `key`) to the store writer: published after
        every article queued so far (its CDXJ index names them through `articles`), listed in the manifest."""
        self.writes.warc_closed(key, path, articles)

    # -- articles -----------------------------------------------------------------------------------------------
    def draft_article(
        self,
        site: str,
        article: dict[str, Any],
        capture: CaptureRef,
        fetched_at: datetime,
        evidence: ExtractionEvidence | None = None,
    ) -> ArticleDraft | None:
        """First step for an extracted article (reactor thread): decide whether it is a new version (its
        content_hash differs from the newest archived one; a menu change is no new version) and, if so, keep its
        JSON in the spool. None when nothing can be stored any more. A draft with a `claim_key` needs
        `claim_version` (any thread) before `record_article`. `evidence`: what the site's profile selectors matched
        and which layer gave each field, counted in the manifest when the article is recorded (drift reports)."""
        if self.broken is not None:
            return None
        earlier = self.prior.versions.get(article["id"])
        if earlier is not None and earlier[0] == article["content_hash"]:
            return ArticleDraft(site, article, capture, earlier[1], None, earlier is not None, None, evidence)
        key = article_key(site, article["id"], fetched_at)
        body = Article.from_dict(article).to_json()
        try:
            # Into the spool before any metadata record names it: no record promises a lost article.
            self.writes.keep(key, body)
        except OSError as exc:
            self._break(exc)
            return None
        claim = version_claim_key(site, article["id"], article["content_hash"])
        return ArticleDraft(site, article, capture, key, body, earlier is not None, claim, evidence)

    def claim_version(self, draft: ArticleDraft) -> str:
        """The key of the version holding the draft's content hash: the draft's own, or the one another crawl
        of this store stored first (two crawls at once end with one version per content hash)."""
        assert draft.claim_key is not None
        return self.writes.claim(draft.claim_key, draft.key)

    def claim_failed(self, error: BaseException | None) -> None:
        self._break(error or StoreError("the claim of an article version failed"))

    def record_article(self, draft: ArticleDraft, holder: str | None = None) -> str:
        """Link the capture to its article version with a metadata record, and queue the put of a new version's
        JSON (immutable). `holder`: what claim_version returned. Returns the key of the version shown."""
        if self.broken is not None:
            return ""
        site, article = draft.site, draft.article
        if draft.body is not None and holder == draft.key:
            key, version = draft.key, "new"
            self.writes.queue(key, draft.body)
            self.count(site, "articles_changed" if draft.had_version else "articles_new")
            fields = [
                ("article-key", key),
                ("article-id", article["id"]),
                ("article-sha256", hashlib.sha256(draft.body).hexdigest()),
            ]
        else:
            key, version = (holder or draft.key), "same"
            if draft.body is not None:  # another crawl stored this version first: ours is withdrawn
                try:
                    self.writes.withdraw(draft.key)
                except OSError as exc:
                    self._break(exc)
                    return ""
                self.count(site, "articles_stored_by_another_crawl")
            self.count(site, "articles_unchanged")
            fields = [("article-key", key), ("article-id", article["id"])]
        self.prior.versions[article["id"]] = (article["content_hash"], key)
        fields += [
            ("article-version", version),
            ("content-hash", article["content_hash"]),
            ("article-title", article.get("title") or ""),
            ("extractor", json.dumps(article.get("extraction", {}), ensure_ascii=False, sort_keys=True)),
        ]
        capture = draft.capture
        moment = capture.fetched_at
        metadata = records.metadata_record(capture.url, fields, refers_to=capture.record_id, moment=moment)
        try:
            self._writer(site).write_event([metadata], moment)
        except OSError as exc:
            self._break(exc)
            return ""
        self.prior.article_urls.add(capture.url)
        self.count(site, "articles")
        self._cover(site, article)
        evidence = draft.evidence or ExtractionEvidence(None, [], None)
        self.extraction.add(site, article, evidence.profile, evidence.selectors, evidence.layers)
        return key

    def _cover(self, site: str, article: dict[str, Any]) -> None:
        counts = self.coverage_counts.setdefault(site, Counter())
        counts["articles"] += 1
        counts["title"] += bool(article.get("title"))
        counts["published_at"] += bool(article.get("published_at"))
        counts["authors"] += bool(article.get("authors"))
        counts["body"] += len((article.get("body") or "").split()) >= COVERAGE_MIN_BODY_WORDS

    def coverage(self) -> dict[str, dict[str, Any]]:
        """Per site: article count and the share of articles with each field (body: at least
        COVERAGE_MIN_BODY_WORDS words), so a redesign that breaks extraction shows at the end of the crawl."""
        report = {}
        for site, counts in sorted(self.coverage_counts.items()):
            total = counts["articles"]
            shares = {f: round(counts[f] / total, 3) for f in ("title", "published_at", "authors", "body")}
            report[site] = {"articles": total, **shares}
        return report

    # -- end of crawl ---------------------------------------------------------------------------------------------
    def close(self, finished_at: datetime, extra: dict[str, Any] | None = None) -> str:
        """Close and upload every WARC, write the manifest, release the spool. Returns the manifest key.

        When a store write failed, what was not stored stays in the spool (article JSON in its pending log, WARCs
        in closed/); the writes are tried once more here (the store may be back), and if they still fail,
        StoreError says so and the next crawl on this store finishes them before it starts."""
        from archiver.crawl.archive.recovery import finish_writes

        try:
            for writer in self._writers.values():
                writer.close()
        except OSError as exc:
            self._break(exc)
        failure = self.writes.close()
        if failure is not None or self.broken is not None:
            try:
                finish_writes(self.store, self.spool, self.crawl_id)
            except Exception as exc:  # noqa: BLE001 - reported below, with what stays in the spool
                failure = failure or exc
            raise StoreError(store_failure_message(failure or self.broken, self.spool.root))
        key = write_manifest(
            self.store,
            self.spool,
            self.crawl_id,
            "complete",
            self.started_at,
            finished_at,
            self.settings,
            sorted(self.sites),
            dict(self.counts),
            {
                "coverage": self.coverage(),
                "extraction": self.extraction.report(),
                "site_counts": {site: dict(counts) for site, counts in sorted(self.site_counts.items())},
                **(extra or {}),
            },
        )
        pending_path(self.spool.root, self.crawl_id).unlink(missing_ok=True)
        self.spool.finish(self.crawl_id, self._lock)
        return key


def store_failure_message(error: BaseException | None, spool_root: Path) -> str:
    """One line for the operator: what failed, that nothing is lost, and what to do."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__
    if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
        return (
            f"disk full ({cause.filename or spool_root}): the crawl stopped; free space and run a crawl on this store "
            f"again: it first stores what the spool {spool_root} kept"
        )
    return (
        f"store write failed ({error}): the crawl stopped; what was not stored is kept in the spool {spool_root} "
        "and the next crawl on this store stores it first"
    )
