"""A crawl's store writes, on one background thread, in order: article JSON in batches, then each closed WARC.

Order is the guarantee: every article JSON a WARC's metadata records name was queued before the WARC closed, so
it is stored before the WARC is published, and a store never holds a metadata record whose article it lacks.
After the first failed write nothing more is written (later WARCs stay in the spool's closed/ folder, articles in
the pending log): the crawl's close or the next crawl's recovery finishes them in the same order.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from archiver.crawl.archive.pending import PendingArticles, pending_path
from archiver.crawl.archive.publish import publish_warc
from archiver.crawl.archive.spool import Spool
from archiver.errors import ObjectExistsError
from archiver.store import PutResult, Store
from archiver.store.batch import put_claim, put_many

logger = logging.getLogger(__name__)
ARTICLE_CONTENT_TYPE = "application/json"
BATCH_SIZE = 64  # article JSON per store call (the local store writes, fsyncs and links a batch together)
BATCH_AGE = 0.5  # seconds: a smaller batch goes when its first article has waited this long (or at a WARC close)
MAX_PENDING_TASKS = 16  # batches and WARCs handed to the writer thread before the crawl waits for the store


class StoreWriter:
    def __init__(
        self,
        store: Store,
        spool: Spool,
        crawl_id: str,
        counts: Counter[str],
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.store = store
        self.spool = spool
        self.crawl_id = crawl_id
        self.counts = counts
        self.on_failure = on_failure
        self.failure: BaseException | None = None
        self.pending = PendingArticles(pending_path(spool.root, crawl_id))
        # Batches are gathered on the reactor thread without locks; only a whole batch crosses to the writer thread.
        self._batch: list[tuple[str, bytes]] = []
        self._batch_started = 0.0
        self._tasks: deque[Future[None]] = deque()
        self._journal_lock = threading.Lock()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-write")

    # -- reactor thread -----------------------------------------------------------------------------------------
    def keep(self, key: str, body: bytes) -> None:
        """Keep an article JSON in the spool's pending log (OSError when the spool cannot take it)."""
        self.pending.add(key, body)

    def withdraw(self, key: str) -> None:
        """The kept article is not to be stored (another crawl stored the same version first)."""
        self.pending.cancel(key)

    def queue(self, key: str, body: bytes) -> None:
        """Queue the put of a kept article JSON."""
        now = time.monotonic()
        if not self._batch:
            self._batch_started = now
        self._batch.append((key, body))
        if len(self._batch) >= BATCH_SIZE or now - self._batch_started >= BATCH_AGE:
            self.flush()

    def flush(self) -> None:
        if self._batch:
            batch, self._batch = self._batch, []
            self._submit(self._store_articles, batch)

    def warc_closed(self, key: str, path: Path, articles: Mapping[str, Mapping[str, str]] | None = None) -> None:
        """Publish a complete WARC file (index, then file). `articles`: for an imported WARC, the article links of
        its responses, which its CDXJ index carries (archiver/catalog/cdxj.py)."""
        self.flush()  # the articles its metadata records name are stored before it is published
        self._submit(self._upload, key, path, articles)

    def _submit(self, work: Callable[..., None], *args: Any) -> None:
        self._tasks.append(self._thread.submit(work, *args))
        while len(self._tasks) > MAX_PENDING_TASKS or (self._tasks and self._tasks[0].done()):
            self._tasks.popleft().result()  # never raises: failures are kept in self.failure

    def close(self) -> BaseException | None:
        """Wait for every queued write; the first failure, or None."""
        self.flush()
        self._thread.shutdown(wait=True)
        self.pending.close()
        return self.failure

    # -- any thread -----------------------------------------------------------------------------------------------
    def claim(self, claim_key: str, article_key: str) -> str:
        """Claim a version for `article_key` with a no-overwrite put of `claim_key` (derived from the article id
        and content hash): the store lets exactly one writer create it. Returns the key of the version that holds
        the claim: ours, or the one another crawl stored first. Raises StoreError when the store fails.

        A claim whose version is not in the store although its crawl has finished (the write was lost) holds
        nothing: our version is stored, so the article is archived again. Such a claim (and one a crash left empty)
        may be in no manifest, when the crash came between its creation and its journal line: this crawl's manifest
        lists it, so that every object of the store stays accounted for."""
        from archiver.store.layout import manifest_key

        body = f"{article_key}\n{self.crawl_id}\n".encode()
        try:
            result = put_claim(self.store, claim_key, body)
        except ObjectExistsError:
            with self.store.open(claim_key) as handle:
                found = handle.read()
            holder, _, holder_crawl = found.decode("utf-8", "replace").strip().partition("\n")
            if holder_crawl.strip() and (
                self.store.exists(holder) or not self.store.exists(manifest_key(holder_crawl.strip()))
            ):
                return holder  # stored, or still on its way from a running (or not yet recovered) crawl
            # A marker a crash left empty or short, or whose version was lost: it holds nothing, ours is stored.
            self.journal(PutResult(claim_key, hashlib.sha256(found).hexdigest(), len(found), created=False), "claim")
            return article_key
        self.journal(result, "claim")
        return article_key

    # -- writer thread ------------------------------------------------------------------------------------------
    def _store_articles(self, batch: list[tuple[str, bytes]]) -> None:
        if self.failure is not None:
            return
        try:
            for result in put_many(self.store, batch, content_type=ARTICLE_CONTENT_TYPE):
                self.journal(result, "article")
        except Exception as exc:  # noqa: BLE001 - any failure stops the writes; the spool keeps the rest
            self._failed(exc)

    def _upload(self, key: str, path: Path, articles: Mapping[str, Mapping[str, str]] | None = None) -> None:
        if self.failure is not None:
            return
        try:
            index, warc = publish_warc(self.store, self.spool, key, path, articles)
            self.journal(index, "cdxj")
            self.journal(warc, "warc")
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        self.failure = exc
        logger.error("store write failed, stopping the crawl (the spool keeps what was not stored): %s", exc)
        if self.on_failure is not None:
            self.on_failure(exc)

    def journal(self, result: PutResult, kind: str) -> None:
        entry = {"key": result.key, "sha256": result.sha256, "size": result.size, "kind": kind}
        with self._journal_lock:
            self.spool.append_journal(self.crawl_id, entry)
            self.counts[f"objects_{kind}"] += 1
            self.counts["bytes_stored"] += result.size
