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
