"""A crawl's store writes, on one background thread, in order: article JSON in batches, then each closed WARC.

Order is the guarantee: every article JSON a WARC's metadata records name was queued before the WARC closed, so
it is stored before the WARC is published, and a store never holds a metadata record whose article it lacks.
After the first failed write nothing more is written (later WARCs stay in the spool's closed/ folder, articles in
the pending log): the crawl's close or the next crawl's recovery finishes them in the same order.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from archiver.crawl.pending import PendingArticles, pending_path
from archiver.crawl.publish import publish_warc
from archiver.errors import ObjectExistsError
from archiver.spool import Spool
from archiver.store import PutResult, Store
from archiver.store.batch import put_many

logger = logging.getLogger(__name__)
ARTICLE_CONTENT_TYPE = "application/json"
BATCH_SIZE = 64  # at most this many article JSON per store call (the local store fsyncs a batch's directories once)
MAX_QUEUED_ARTICLES = 1024  # article JSON waiting in memory before the crawl waits for the store


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
        # Articles wait here; one drain task at a time takes what has come, so batches grow when the store is slow
        # and an idle store gets each article at once.
        self._queue: deque[tuple[str, bytes]] = deque()
        self._draining = False
        self._cond = threading.Condition()
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
        with self._cond:
            while len(self._queue) >= MAX_QUEUED_ARTICLES and self.failure is None:
                self._cond.wait(1.0)
            self._queue.append((key, body))
            if not self._draining:
                self._draining = True
                self._thread.submit(self._drain)

    def warc_closed(self, key: str, path: Path) -> None:
        # Submitted after the drain task that takes every article queued so far: those its metadata records name
        # are stored before it is published.
        self._thread.submit(self._upload, key, path)

    def close(self) -> BaseException | None:
        """Wait for every queued write; the first failure, or None."""
        self._thread.shutdown(wait=True)
        self.pending.close()
        return self.failure

    # -- any thread -----------------------------------------------------------------------------------------------
    def claim(self, claim_key: str, article_key: str) -> str:
        """Claim a version for `article_key` with a no-overwrite put of `claim_key` (derived from the article id
        and content hash): the store lets exactly one writer create it. Returns the key of the version that holds
        the claim: ours, or the one another crawl stored first. Raises StoreError when the store fails.

        A claim whose version is not in the store although its crawl has finished (the write was lost) holds
        nothing: our version is stored, so the article is archived again."""
        from archiver.crawl.archive import manifest_key

        body = f"{article_key}\n{self.crawl_id}\n".encode()
        try:
            result = self.store.put_bytes(claim_key, body, content_type="text/plain")
        except ObjectExistsError:
            with self.store.open(claim_key) as handle:
                holder, _, holder_crawl = handle.read().decode("utf-8").strip().partition("\n")
            if self.store.exists(holder) or not self.store.exists(manifest_key(holder_crawl.strip() or "-")):
                return holder  # stored, or still on its way from a running (or not yet recovered) crawl
            return article_key
        self.journal(result, "claim")
        return article_key

    # -- writer thread ------------------------------------------------------------------------------------------
    def _drain(self) -> None:
        while True:
            with self._cond:
                if not self._queue or self.failure is not None:
                    self._draining = False
                    self._cond.notify_all()
                    return
                batch = [self._queue.popleft() for _ in range(min(BATCH_SIZE, len(self._queue)))]
                self._cond.notify_all()
            self._store_articles(batch)

    def _store_articles(self, batch: list[tuple[str, bytes]]) -> None:
        try:
            for result in put_many(self.store, batch, content_type=ARTICLE_CONTENT_TYPE):
                self.journal(result, "article")
        except Exception as exc:  # noqa: BLE001 - any failure stops the writes; the spool keeps the rest
            self._failed(exc)

    def _upload(self, key: str, path: Path) -> None:
        if self.failure is not None:
            return
        try:
            index, warc = publish_warc(self.store, self.spool, key, path)
            self.journal(index, "cdxj")
            self.journal(warc, "warc")
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        with self._cond:
            self.failure = exc
            self._cond.notify_all()
        logger.error("store write failed, stopping the crawl (the spool keeps what was not stored): %s", exc)
        if self.on_failure is not None:
            self.on_failure(exc)

    def journal(self, result: PutResult, kind: str) -> None:
        entry = {"key": result.key, "sha256": result.sha256, "size": result.size, "kind": kind}
        with self._journal_lock:
            self.spool.append_journal(self.crawl_id, entry)
            self.counts[f"objects_{kind}"] += 1
            self.counts["bytes_stored"] += result.size
