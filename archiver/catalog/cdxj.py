"""CDXJ lines for one WARC file, derived from the WARC alone.

One line per response or revisit record: `urlkey timestamp {json}`, sorted, as pywb reads them (`url`, `mime`,
`status`, `digest`, `length`, `offset`, `filename`). Extra fields, ignored by pywb, let the catalog answer
`history` and `snapshot` without opening WARCs: the full `date`, the `record_id`, where the capture's request and
metadata records are, and from the article metadata record that refers to the capture: `article` (the article
JSON key), `content_hash`, `title`, `version` (`new` when this capture produced a new article version, `same`
when its article text equals the version it names).
"""

from __future__ import annotations

import importlib
import json
import sys
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is used, then imports the real one."""

    def __getattr__(self, name: str) -> Any:
        real = self.__dict__.get("_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = self.__dict__["_real"] = importlib.import_module(self.__name__)
        return getattr(real, name)


def _import_surt() -> Any:
    """surt imports tldextract (and with it requests) when loaded, but uses it only in public-suffix methods we
    never call: deferring it saves about 140 ms on every `history` or `snapshot` command."""
    if "tldextract" not in sys.modules:
        sys.modules["tldextract"] = _Deferred("tldextract")
    import surt

    return surt


surt = _import_surt()

CDXJ_CONTENT_TYPE = "text/x-cdxj"
REVISIT_MIME = "warc/revisit"


def urlkey(url: str) -> str:
    """The SURT form pywb looks captures up by (host reversed, scheme and www dropped, query sorted)."""
    try:
        return str(surt.surt(url))
    except Exception:  # noqa: BLE001 - a URL surt cannot parse is still indexed, by its lower-cased text
        return url.lower()


METADATA_MAX_BYTES = 1024 * 1024


def timestamp14(warc_date: str) -> str:
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


@dataclass
class Capture:
    """One CDXJ line before serialisation."""

    url: str
    date: str
    fields: dict[str, Any] = field(default_factory=dict)

    def line(self) -> bytes:
        body = json.dumps({"url": self.url, **self.fields}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return f"{urlkey(self.url)} {timestamp14(self.date)} {body}".encode()


def _fields_of(record: Any) -> dict[str, str]:
    # Our metadata records are a few lines; a bound keeps a foreign or damaged WARC from costing more.
    text = record.content_stream().read(METADATA_MAX_BYTES).decode("utf-8", "replace")
    pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def _http_status(record: Any) -> str:
    headers = record.http_headers
    return headers.get_statuscode() if headers is not None else "-"


def _mime(record: Any) -> str:
    if record.rec_type == "revisit":
        return REVISIT_MIME
    value = record.http_headers.get_header("Content-Type") if record.http_headers is not None else None
    return (value or "unk").split(";", 1)[0].strip().lower() or "unk"


def index_warc(
    stream: IO[bytes], warc_key: str, articles: Mapping[str, Mapping[str, str]] | None = None
) -> list[bytes]:
    """Sorted CDXJ lines for the WARC file read from `stream` (stored under `warc_key`).

    `articles`: for a WARC made elsewhere (imported as received), the fields of the article metadata records that
    this archive wrote about its responses in a WARC of its own, by the response's WARC-Record-ID."""
    from warcio.archiveiterator import ArchiveIterator  # here: lookups, which never index, start faster without it

    captures: dict[str, Capture] = {}
    requests: dict[str, list[int]] = {}
    named_requests: dict[str, list[int]] = {}  # request records by their own id (a response may name its request)
    names_request: dict[str, str] = {}  # response id -> the request id its WARC-Concurrent-To names (as wget writes)
    metadata: dict[str, list[tuple[list[int], dict[str, str]]]] = {}
    iterator = ArchiveIterator(stream, no_record_parse=False, check_digests=False)
    for record in iterator:
        kind = record.rec_type
        get = record.rec_headers.get_header
        if kind in ("response", "revisit"):
            record_id = get("WARC-Record-ID")
            fields: dict[str, Any] = {
                "mime": _mime(record),
                "status": _http_status(record),
                "digest": (get("WARC-Payload-Digest") or "-").removeprefix("sha1:"),
                "filename": warc_key,
                "date": get("WARC-Date"),
                "record_id": record_id,
            }
            if kind == "revisit":
                fields["refers_to_uri"] = get("WARC-Refers-To-Target-URI")
                fields["refers_to_date"] = get("WARC-Refers-To-Date")
            http = record.http_headers
            if http is not None:
                for header, name in (("ETag", "etag"), ("Last-Modified", "last_modified")):
                    if value := http.get_header(header):
                        fields[name] = value
            captures[record_id] = Capture(get("WARC-Target-URI"), get("WARC-Date"), fields)
            if concurrent := get("WARC-Concurrent-To"):
                names_request[record_id] = concurrent
            where = [iterator.get_record_offset(), iterator.get_record_length()]
            fields["offset"], fields["length"] = where
            continue
        if kind == "request":
            where = [iterator.get_record_offset(), iterator.get_record_length()]
            named_requests[get("WARC-Record-ID")] = where
            if target := get("WARC-Concurrent-To"):
                requests[target] = where
        elif kind == "metadata" and (target := get("WARC-Refers-To")):
            values = _fields_of(record)
            metadata.setdefault(target, []).append(
                ([iterator.get_record_offset(), iterator.get_record_length()], values)
            )
    for record_id, request_id in names_request.items():
        if record_id not in requests and request_id in named_requests:
            requests[record_id] = named_requests[request_id]
    for record_id, link in (articles or {}).items():
        if record_id in captures:
            _link_article(captures[record_id], link)
    return sorted(_finish(captures, requests, metadata))


def _finish(
    captures: dict[str, Capture],
    requests: dict[str, list[int]],
    metadata: dict[str, list[tuple[list[int], dict[str, str]]]],
) -> Iterable[bytes]:
    for record_id, capture in captures.items():
        if record_id in requests:
            capture.fields["request"] = requests[record_id]
        for where, values in metadata.get(record_id, []):
            capture.fields.setdefault("metadata", []).append(where)
            if "article-key" in values:
                _link_article(capture, values)
        yield capture.line()


def _link_article(capture: Capture, values: Mapping[str, str]) -> None:
    capture.fields["article"] = values["article-key"]
    capture.fields["content_hash"] = values.get("content-hash")
    capture.fields["title"] = values.get("article-title")
    capture.fields["version"] = values.get("article-version", "new")


def metadata_article_keys(stream: IO[bytes]) -> set[str]:
    """The article JSON keys the metadata records of one WARC file name (whatever file their capture is in)."""
    from warcio.archiveiterator import ArchiveIterator

    keys = set()
    for record in ArchiveIterator(stream, no_record_parse=False, check_digests=False):
        if record.rec_type == "metadata" and (key := _fields_of(record).get("article-key")):
            keys.add(key)
    return keys


def parse_line(line: bytes | str) -> tuple[str, str, dict[str, Any]]:
    text = line.decode("utf-8") if isinstance(line, bytes) else line
    key, stamp, body = text.rstrip("\n").split(" ", 2)
    return key, stamp, json.loads(body)
