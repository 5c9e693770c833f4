"""What one crawl writes: WARC records per site through the spool, article JSON, the journal and the manifest."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urldefrag, urlsplit

from archiver import SOFTWARE
from archiver.crawl.challenge import looks_like_challenge
from archiver.crawl.drift import ExtractionStats
from archiver.crawl.prior import PriorCaptures
from archiver.crawl.publish import publish_warc
from archiver.crawl.wiretap import WireExchange
from archiver.errors import StoreError
from archiver.extraction.rules import SelectorMatch
from archiver.spool import Spool
from archiver.store import PutResult, Store
from archiver.warc import records
from archiver.warc.http import skip_interim, split_message
from archiver.warc.writer import DEFAULT_MAX_SIZE, RotatingWarcWriter, WarcFile

logger = logging.getLogger(__name__)
ARTICLE_CONTENT_TYPE = "application/json"
COVERAGE_MIN_BODY_WORDS = 50
MAX_PENDING_WRITES = 256


@dataclass(frozen=True)
class CaptureRef:
    """Where one HTTP response lives in the archive (the SPEC `capture` object)."""

    url: str
    fetched_at: str
    status: int
    warc_file: str
    record_id: str
    offset: int
    length: int
    payload_digest: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def warc_key(site: str, crawl_id: str, day: datetime, serial: int) -> str:
    return f"warc/{site}/{day:%Y/%m/%d}/{crawl_id}-{serial:05d}.warc.gz"


def article_key(site: str, article_id: str, fetched_at: datetime) -> str:
    return f"articles/{site}/{article_id}/{fetched_at:%Y%m%dT%H%M%S%fZ}.json"


def manifest_key(crawl_id: str) -> str:
    return f"crawls/{crawl_id}/manifest.json"


class CrawlArchive:
    """Owned by one crawl. Not thread-safe for writers (Scrapy calls it from the reactor thread); uploads of
    closed WARC files run on one background thread so a 1 GB upload does not stall the crawl."""

    def __init__(
        self,
        store: Store,
        spool: Spool,
        crawl_id: str,
        started_at: datetime,
        settings: dict[str, Any],
        max_warc_size: int = DEFAULT_MAX_SIZE,
        prior: PriorCaptures | None = None,
    ) -> None:
        self.store = store
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
        self._pending: deque[Future[PutResult]] = deque()
        self._failures: list[BaseException] = []
        # Store writes (article JSON, closed WARCs) run here, so fsyncs and uploads do not stall the crawl.
        self._uploader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="store-write")
        self._journal_lock = threading.Lock()
        self._lock: IO[bytes] = spool.lock(crawl_id)

    # -- WARC ---------------------------------------------------------------------------------------------------
    def _writer(self, site: str) -> RotatingWarcWriter:
        if site not in self._writers:
            self.sites.add(site)

            def open_file(serial: int) -> tuple[Path, str]:
                key = warc_key(site, self.crawl_id, self.started_at, serial)
                return self.spool.open_path(key), key

            self._writers[site] = RotatingWarcWriter(
                open_file, self._closed, self._info_fields(site), self.max_warc_size
            )
        return self._writers[site]

    def _info_fields(self, site: str) -> list[tuple[str, str]]:
        fields = [
            ("software", SOFTWARE),
            ("format", "WARC File Format 1.1"),
            ("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"),
            ("isPartOf", self.crawl_id),
            ("site", site),
            ("capture-method", "wire bytes tapped from the Twisted HTTP/1.1 connection (after TLS)"),
            ("capture-fidelity", "wire: status line, headers and body as received; requests as sent"),
            ("headers-rebuilt", "none"),
            ("payload-digest", records.PAYLOAD_DIGEST_CONVENTION),
        ]
        fields += [
            (f"setting-{name}", json.dumps(value, ensure_ascii=False)) for name, value in sorted(self.settings.items())
        ]
        return fields

    def _background(self, work: Callable[..., Any], *args: Any) -> None:
        """Run a store write off the reactor thread; wait for the oldest when too many are pending."""
        self._pending.append(self._uploader.submit(work, *args))
        while len(self._pending) > MAX_PENDING_WRITES:
            error = self._pending.popleft().exception()
            if error is not None:
                self._failures.append(error)

    def _store_article(self, key: str, body: bytes) -> PutResult:
        result = self.store.put_bytes(key, body, content_type=ARTICLE_CONTENT_TYPE)
        self._journal(result, "article")
        return result

    def _closed(self, warc: WarcFile) -> None:
        closed = self.spool.mark_closed(warc.path)
        self._background(self._upload, warc.key, closed)

    def _upload(self, key: str, path: Path) -> list[PutResult]:
        index, warc = publish_warc(self.store, self.spool, key, path)
        self._journal(index, "cdxj")
        self._journal(warc, "warc")
        return [index, warc]

    def _journal(self, result: PutResult, kind: str) -> None:
        entry = {"key": result.key, "sha256": result.sha256, "size": result.size, "kind": kind}
        with self._journal_lock:  # called from the store-write threads
            self.spool.append_journal(self.crawl_id, entry)
            self.counts[f"objects_{kind}"] += 1
            self.counts["bytes_stored"] += result.size

    def count(self, site: str, name: str, n: int = 1) -> None:
        """A counter for the whole crawl and for one site (the manifest's `counts` and `site_counts`)."""
        self.counts[name] += n
        self.site_counts.setdefault(site, Counter())[name] += n

    def record_exchange(self, site: str, url: str, exchange: WireExchange) -> CaptureRef | None:
        """Write request, response (or revisit) and capture-metadata records; None when nothing usable came.

        A 2xx body byte-identical to the URL's newest archived one becomes a revisit record (identical-payload-
        digest profile: the HTTP head as received, no body)."""
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
            # TLS evidence (certificate fingerprint, protocol, cipher) for fact-checkers; plain HTTP has none.
            evidence = [
                ("connection-reused", "yes" if exchange.connection_reused else "no"),
                *((f"tls-{name}", value) for name, value in sorted(exchange.tls.items())),
            ]
            event.append(records.metadata_record(uri, evidence, refers_to=response_id, moment=moment))
        locations = self._writer(site).write_event(event, moment)
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
            fetched_at=records.warc_date(moment),
            status=status,
            warc_file=where.warc_file,
            record_id=response_id,
            offset=where.offset,
            length=where.length,
            payload_digest=response.rec_headers.get_header("WARC-Payload-Digest"),
        )

    # -- articles -----------------------------------------------------------------------------------------------
    def record_article(
        self,
        site: str,
        article: dict[str, Any],
        capture: CaptureRef,
        fetched_at: datetime,
        profile: str | None = None,
        selectors: list[SelectorMatch] | None = None,
        layers: dict[str, str] | None = None,
    ) -> str:
        """Link the capture to its article version with a metadata record; store the article JSON (immutable)
        only when its content_hash differs from the newest archived version (a menu change is no new version).
        Returns the key of the version this capture shows."""
        earlier = self.prior.versions.get(article["id"])
        self.prior.article_urls.add(capture.url)
        if earlier is not None and earlier[0] == article["content_hash"]:
            key, version = earlier[1], "same"
            self.count(site, "articles_unchanged")
            fields = [("article-key", key), ("article-id", article["id"])]
        else:
            key, version = article_key(site, article["id"], fetched_at), "new"
            body = json.dumps(article, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
            self._background(self._store_article, key, body)
            self.prior.versions[article["id"]] = (article["content_hash"], key)
            self.count(site, "articles_changed" if earlier is not None else "articles_new")
            fields = [
                ("article-key", key),
                ("article-id", article["id"]),
                ("article-sha256", hashlib.sha256(body).hexdigest()),
            ]
        fields += [
            ("article-version", version),
            ("content-hash", article["content_hash"]),
            ("article-title", article.get("title") or ""),
            ("extractor", json.dumps(article.get("extraction", {}), ensure_ascii=False, sort_keys=True)),
        ]
        moment = datetime.fromisoformat(capture.fetched_at.replace("Z", "+00:00"))
        metadata = records.metadata_record(capture.url, fields, refers_to=capture.record_id, moment=moment)
        self._writer(site).write_event([metadata], moment)
        self.count(site, "articles")
        self._cover(site, article)
        self.extraction.add(site, article, profile, selectors or [], layers)
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
        """Close and upload every WARC, write the manifest, release the spool. Returns the manifest key."""
        for writer in self._writers.values():
            writer.close()
        self._uploader.shutdown(wait=True)
        failures = self._failures + [e for f in self._pending if (e := f.exception()) is not None]
        if failures:
            # Closed WARCs stay in the spool's closed/ folder and the next run uploads them; an article JSON that
            # could not be stored can be extracted again from its capture.
            raise StoreError(f"{len(failures)} store write(s) failed (WARCs kept in {self.spool.root}): {failures[0]}")
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
        self.spool.finish(self.crawl_id, self._lock)
        return key


def write_manifest(
    store: Store,
    spool: Spool,
    crawl_id: str,
    status: str,
    started_at: datetime | None,
    finished_at: datetime,
    settings: dict[str, Any],
    sites: list[str],
    counts: dict[str, int],
    extra: dict[str, Any],
) -> str:
    objects = sorted(spool.read_journal(crawl_id), key=lambda entry: str(entry["key"]))
    manifest = {
        "schema_version": 1,
        "crawl_id": crawl_id,
        "status": status,
        "software": SOFTWARE,
        "started_at": records.warc_date(started_at) if started_at else None,
        "finished_at": records.warc_date(finished_at),
        "sites": sites,
        "settings": settings,
        "counts": counts,
        "objects": objects,
        **extra,
    }
    key = manifest_key(crawl_id)
    body = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    store.put_bytes(key, body, content_type="application/json")
    return key
