"""Several small objects in one call: a store that can batch them (the local store syncs its disk once per batch
step instead of per object) does; any other store gets one put each."""

from __future__ import annotations

from collections.abc import Sequence

from archiver.store.base import PutResult, Store


def put_many(store: Store, items: Sequence[tuple[str, bytes]], *, content_type: str) -> list[PutResult]:
    """Store every (key, data) pair with put_bytes semantics; raises on the first failure."""
    batched = getattr(store, "put_many", None)
    if batched is not None:
        results: list[PutResult] = batched(items, content_type=content_type)
        return results
    return [store.put_bytes(key, data, content_type=content_type) for key, data in items]


def claims_are_local(store: Store) -> bool:
    """True when put_claim costs a few local file operations (no network): it can run on the crawl's thread."""
    return getattr(store, "claim_bytes", None) is not None


def put_claim(store: Store, key: str, data: bytes) -> PutResult:
    """A no-overwrite put of a small marker whose loss in a power cut costs little (a version claim): the local
    store skips the fsyncs; any other store does a normal put."""
    quick = getattr(store, "claim_bytes", None)
    if quick is not None:
        result: PutResult = quick(key, data)
        return result
    return store.put_bytes(key, data, content_type="text/plain")
