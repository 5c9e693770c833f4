"""JSON serializer for requests in the shared queue (scrapy-redis `SCHEDULER_SERIALIZER`: `dumps`/`loads`).

scrapy-redis pickles requests by default; anyone who can write to the Redis could then run code in every worker.
JSON carries what a request needs (URL, method, headers, body, callback names, meta) and nothing executable.
Bytes become {"$b": base64}; dicts with bytes keys (headers) become {"$d": [[key, value], ...]}. Meta values
that do not fit (objects a middleware left, like a capture reference of an earlier redirect hop) are dropped.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

logger = logging.getLogger(__name__)

# Per-process meta: meaningless in another worker (leases, slots, wire taps, capture references of earlier hops).
TRANSIENT_META = frozenset(
    {"archiver_lease", "archiver_origin_slot", "archiver_capture", "archiver_wire_exchange", "download_latency"}
)
ALLOWED_CLASSES = frozenset({"scrapy.http.request.Request", "scrapy.Request"})


class _Unencodable(TypeError):
    pass


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: _encode(item) for key, item in value.items()}
        return {"$d": [[_encode(key), _encode(item)] for key, item in value.items()]}
    raise _Unencodable(type(value).__name__)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        if "$b" in value:
            return base64.b64decode(value["$b"])
        if "$d" in value:
            return {_decode(key): _decode(item) for key, item in value["$d"]}
        return {key: _decode(item) for key, item in value.items()}
    return value


def dumps(request_dict: dict[str, Any]) -> bytes:
    """Encode `Request.to_dict(spider=...)` output."""
    out = {}
    for name, value in request_dict.items():
        if name == "meta":
            meta = {}
            for key, item in (value or {}).items():
                if key in TRANSIENT_META:
                    continue
                try:
                    meta[key] = _encode(item)
                except _Unencodable as exc:
                    logger.debug("request meta %r (%s) not shared through the frontier", key, exc)
            out[name] = meta
        else:
            out[name] = _encode(value)
    return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> dict[str, Any]:
    decoded = _decode(json.loads(data))
    if not isinstance(decoded, dict):
        raise ValueError("a queued request must be a JSON object")
    cls = decoded.pop("_class", None)
    if cls is not None and cls not in ALLOWED_CLASSES:
        logger.warning("request class %r from the frontier ignored; queued as a plain Request", cls)
    return decoded
