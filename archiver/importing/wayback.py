"""`archiver import wayback URL-PREFIX --cdx URL`: captures another archive made, from its Wayback interface.

The captures are listed through the CDX API (`?url=PREFIX&matchType=prefix&output=json`, with `from`/`to`), kept
when HTML answered 200, one per URL and payload digest (the others repeat it), and each is fetched raw from
`{replay}{timestamp}id_/{url}`. Without `--replay` the prefix is derived from the CDX URL: `.../cdx/search/cdx` ->
`.../web/` (as the Internet Archive serves), `.../COLL/cdx` -> `.../COLL/` (as pywb serves).

Each capture becomes a WARC response record whose WARC-Target-URI is the original URL and WARC-Date the original
timestamp, with `WARC-Source-URI` naming the replay URL it was fetched from, and a metadata record naming the
archive, the CDX line and when it was fetched. Only the CDX and replay server are asked; politely (a delay between
fetches, retries with backoff); a capture already in the archive (same URL and timestamp) is skipped, so a second
run, or one after a killed run, fetches only what is missing.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from archiver import SOFTWARE
from archiver.catalog.catalog import Catalog
from archiver.catalog.cdxj import timestamp14
from archiver.custody.record import bytes_item
from archiver.errors import ArchiverError, ConfigError, NotFoundError
from archiver.importing.run import HTML_TYPES, ImportResult, ImportRun, InputOutcome, writable_store
from archiver.records import Capture
from archiver.warc import records

logger = logging.getLogger(__name__)
DEFAULT_DELAY = 1.0  # seconds between two fetches from the archive
DEFAULT_RETRIES = 3
TIMEOUT = 60.0
MAX_REDIRECTS = 5
RETRY_STATUSES = (429, 500, 502, 503, 504)
HEADERS_REBUILT = (
    "status line and headers re-serialised from the replay server's answer (order, case and values kept); "
    "Transfer-Encoding dropped, the body is stored de-chunked"
)


class FetchError(ArchiverError):
    """The archive did not answer (after retries)."""


@dataclass(frozen=True)
class CdxCapture:
    url: str
    timestamp: str  # 14 digits
    digest: str
    line: dict[str, Any]  # the CDX entry as the server gave it

    @property
    def moment(self) -> datetime:
        return datetime.strptime(self.timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def replay_prefix(cdx_url: str, replay: str | None = None) -> str:
    """The replay prefix: as given, else derived from the CDX endpoint's URL."""
    if replay:
        return replay if replay.endswith("/") else replay + "/"
    parts = urlsplit(cdx_url)
    path = parts.path.rstrip("/")
    if path.endswith("/cdx/search/cdx"):
        base = path[: -len("/cdx/search/cdx")] + "/web/"
    elif path.endswith("/cdx"):
        base = path[: -len("cdx")]
    else:
        raise ConfigError(f"--cdx {cdx_url}: cannot tell the replay prefix from it; give --replay PREFIX")
    return f"{parts.scheme}://{parts.netloc}{base}"


def _check_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{what} {value!r}: give an http:// or https:// URL")
    return value


class Fetcher:
    """GETs from one server only, with retries and backoff; keeps to `delay` seconds between requests."""

    def __init__(self, allowed: set[str], delay: float, retries: int) -> None:
        self.allowed = allowed
        self.delay = delay
        self.retries = retries
        self.requests = 0
        self._last = 0.0

    def get(self, url: str) -> tuple[int, str, list[tuple[str, str]], bytes]:
        for hop in range(MAX_REDIRECTS + 1):
            status, reason, headers, body = self._get_with_retries(url)
            location = next((v for k, v in headers if k.lower() == "location"), None)
            if status in (301, 302, 303, 307, 308) and location and hop < MAX_REDIRECTS:
                url = urljoin(url, location)
                continue
            return status, reason, headers, body
        raise FetchError(f"too many redirects from {url}")

    def _get_with_retries(self, url: str) -> tuple[int, str, list[tuple[str, str]], bytes]:
        parts = urlsplit(url)
        if parts.netloc not in self.allowed:
            raise FetchError(f"{url}: not on the archive's server ({', '.join(sorted(self.allowed))}); not fetched")
        attempt = 0
        error: BaseException | None = None
        while True:
            wait = self.delay - (time.monotonic() - self._last)
            if wait > 0:
                time.sleep(wait)
            try:
                answer = self._get(parts)
            except (OSError, http.client.HTTPException) as exc:
                answer, error = None, exc
            self._last = time.monotonic()
            self.requests += 1
            if answer is not None and answer[0] not in RETRY_STATUSES:
                return answer
            if attempt >= self.retries:
                if answer is not None:
                    return answer
                raise FetchError(f"{url}: {error.__class__.__name__}: {error} (after {attempt + 1} tries)")
            time.sleep(max(self.delay, 0.5) * 2**attempt)  # back off: 1x, 2x, 4x the delay (at least half a second)
            attempt += 1

    def _get(self, parts: Any) -> tuple[int, str, list[tuple[str, str]], bytes]:
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.netloc, timeout=TIMEOUT)
        try:
            path = parts.path or "/"
            connection.request("GET", path + (f"?{parts.query}" if parts.query else ""), headers=_request_headers())
            response = connection.getresponse()
            body = response.read()
            return response.status, response.reason, list(response.getheaders()), body
        finally:
            connection.close()


def _request_headers() -> dict[str, str]:
    return {"User-Agent": f"{SOFTWARE} (import from a Wayback archive)", "Accept-Encoding": "identity"}


def list_captures(
    fetcher: Fetcher, cdx_url: str, prefix: str, since: date | None, until: date | None
) -> tuple[list[CdxCapture], int]:
    """The HTML 200 captures under `prefix`, one per URL and payload digest, oldest first; and how many the CDX
    server listed in all."""
    query: dict[str, str] = {"url": prefix, "matchType": "prefix", "output": "json"}
    if since:
        query["from"] = since.strftime("%Y%m%d")
    if until:
        query["to"] = until.strftime("%Y%m%d")
    separator = "&" if urlsplit(cdx_url).query else "?"
    try:
        status, _reason, _headers, body = fetcher.get(f"{cdx_url}{separator}{urlencode(query)}")
    except FetchError as exc:
        raise FetchError(f"the CDX server did not answer ({exc}); check --cdx and that the server runs") from exc
    if status != 200:
        raise FetchError(f"the CDX server {cdx_url} answered {status}; check --cdx")
    entries = parse_cdx(body, cdx_url)
    kept: dict[tuple[str, str], CdxCapture] = {}
    for entry in sorted(entries, key=lambda e: str(e.get("timestamp", ""))):
        status_text = str(entry.get("status") or entry.get("statuscode") or "")
        mime = str(entry.get("mime") or entry.get("mimetype") or "").split(";", 1)[0].strip().lower()
        url, stamp = str(entry.get("url") or entry.get("original") or ""), str(entry.get("timestamp") or "")
        if status_text != "200" or mime not in HTML_TYPES or not url or not stamp.isdigit():
            continue
        digest = str(entry.get("digest") or f"{url} {stamp}")
        kept.setdefault((url, digest), CdxCapture(url, stamp, digest, entry))
    return sorted(kept.values(), key=lambda c: (c.timestamp, c.url)), len(entries)


def parse_cdx(body: bytes, cdx_url: str) -> list[dict[str, Any]]:
    """CDX JSON as the Internet Archive gives it (an array of arrays, the first naming the fields) or as pywb does
    (one JSON object per line)."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, list):
        if not data:
            return []
        names = [str(name) for name in data[0]]
        return [dict(zip(names, row, strict=False)) for row in data[1:] if isinstance(row, list)]
    if isinstance(data, dict):
        return [data]
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            raise FetchError(f"the CDX server {cdx_url} did not answer CDX JSON; check --cdx") from None
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def _already_held(catalog: Catalog, capture: CdxCapture) -> bool:
    try:
        rows = catalog.captures(capture.url)
    except NotFoundError:
        return False
    return any(timestamp14(row.captured_at) == capture.timestamp[:14] for row in rows)


def import_wayback(
    prefix: str,
    cdx_url: str,
    *,
    replay: str | None = None,
    since: date | None = None,
    until: date | None = None,
    store_uri: str | None = None,
    catalog_url: str | None = None,
    delay: float = DEFAULT_DELAY,
    retries: int = DEFAULT_RETRIES,
) -> ImportResult:
    from archiver.sites import site_id_for_url

    _check_url(prefix, "URL-PREFIX")
    _check_url(cdx_url, "--cdx")
    replay_base = _check_url(replay_prefix(cdx_url, replay), "--replay")
    if delay < 0 or retries < 0:
        raise ConfigError("--delay and --retries must not be negative")
    if since and until and since > until:
        raise ConfigError(f"--from {since} is after --to {until}")
    servers = {urlsplit(cdx_url).netloc, urlsplit(replay_base).netloc}
    fetcher = Fetcher(servers, delay, retries)
    store, spool = writable_store(store_uri)
    captures, listed = list_captures(fetcher, cdx_url, prefix, since, until)
    outcome = InputOutcome(prefix, kind="wayback")
    catalog = Catalog.open(store, catalog_url)
    try:
        catalog.sync()
        todo = [c for c in captures if not _already_held(catalog, c)]
    finally:
        catalog.close()
    outcome.skipped = len(captures) - len(todo)
    archive = {"cdx": cdx_url, "replay": replay_base, "prefix": prefix, "listed": listed, "kept": len(captures)}
    if not todo:
        outcome.status = "nothing new"
        return ImportResult(None, None, [outcome], {"cdx_listed": listed, "captures_skipped": outcome.skipped})
    settings = {
        "kind": "wayback",
        **archive,
        "from": since.isoformat() if since else None,
        "to": until.isoformat() if until else None,
        "delay": delay,
        "retries": retries,
    }
    run = ImportRun(store, spool, settings, _capture_fields(replay_base), catalog_url)
    run.inputs = [outcome]
    for capture in todo:
        replay_url = f"{replay_base}{capture.timestamp}id_/{capture.url}"
        try:
            status, reason, headers, body = fetcher.get(replay_url)
        except FetchError as exc:
            logger.warning("capture not imported: %s", exc)
            run.archive.counts["wayback_fetch_failed"] += 1
            continue
        if status != 200:
            logger.warning("capture not imported: %s answered %s", replay_url, status)
            run.archive.counts[f"wayback_status_{status}"] += 1
            continue
        _store_capture(run, outcome, capture, replay_url, cdx_url, (status, reason, headers, body), site_id_for_url)
    run.archive.counts["wayback_requests"] = fetcher.requests
    run.custody_inputs.append(bytes_item(f"CDX answer of {cdx_url} for {prefix}", json.dumps(archive).encode()))
    return run.finish({"kind": "wayback", "archive": archive})


def _store_capture(
    run: ImportRun,
    outcome: InputOutcome,
    capture: CdxCapture,
    replay_url: str,
    cdx_url: str,
    answer: tuple[int, str, list[tuple[str, str]], bytes],
    site_of: Any,
) -> None:
    status, reason, headers, body = answer
    kept = [(name, value) for name, value in headers if name.lower() != "transfer-encoding"]
    head = f"HTTP/1.1 {status} {reason}\r\n".encode("latin-1", "replace")
    head += b"".join(f"{name}: {value}\r\n".encode("latin-1", "replace") for name, value in kept) + b"\r\n"
    moment = capture.moment
    record_id = records.new_record_id()
    response = records.response_record(capture.url, head + body, len(head), record_id=record_id, moment=moment, ip=None)
    response.rec_headers.add_header("WARC-Source-URI", replay_url)
    fields = [
        ("source-archive", replay_url[: -len(f"{capture.timestamp}id_/{capture.url}")]),
        ("source-cdx", cdx_url),
        ("replay-url", replay_url),
        ("cdx-line", json.dumps(capture.line, ensure_ascii=False, sort_keys=True)),
        ("fetched-from-archive-at", records.warc_date(records.utcnow())),
        ("headers-rebuilt", HEADERS_REBUILT),
    ]
    metadata = records.metadata_record(capture.url, fields, refers_to=record_id, moment=moment)
    site = site_of(capture.url)
    where = run.archive.write_records(site, [response, metadata], moment)
    run.check()
    assert where is not None
    outcome.records += 2
    outcome.responses += 1
    run.archive.count(site, "captures")
    run.archive.count(site, "imported_captures")
    stored = Capture(
        url=capture.url,
        fetched_at=moment,
        status=status,
        warc_file=where[0].warc_file,
        record_id=record_id,
        offset=where[0].offset,
        length=where[0].length,
        payload_digest=response.rec_headers.get_header("WARC-Payload-Digest"),
        source="imported",
        imported_from=replay_url,
    )
    run.add_article(stored, dict(kept), body, outcome)


def _capture_fields(replay_base: str) -> list[tuple[str, str]]:
    return [
        ("capture-method", f"imported from the Wayback archive {replay_base}: each capture fetched raw (id_ mode)"),
        ("capture-fidelity", "the replay server's answer: the archived body; headers as that server gave them"),
        ("headers-rebuilt", HEADERS_REBUILT),
        ("importer", SOFTWARE),
    ]
