"""Build WARC/1.1 records (warcio) for one capture event, byte-faithful to what crossed the wire.

Digest convention (said in every warcinfo record): ``WARC-Payload-Digest`` is the SHA-1 of the HTTP body bytes as
stored in the record (after the header block, still transfer- and content-encoded), the convention warcio and
``warcio check`` use; ``WARC-Block-Digest`` covers the whole block. Both in base32 ``sha1:`` form.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from archiver.warc.http import split_message

WARC_VERSION = "WARC/1.1"
PAYLOAD_DIGEST_CONVENTION = "sha1 over the HTTP body as stored in the record (transfer- and content-encoded), as warcio"
HTTP_RESPONSE_TYPE = "application/http; msgtype=response"
HTTP_REQUEST_TYPE = "application/http; msgtype=request"
FIELDS_TYPE = "application/warc-fields"


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date with microseconds, UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha1_label(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")  # noqa: S324 - WARC convention


def warc_fields(pairs: Iterable[tuple[str, str]]) -> bytes:
    """application/warc-fields body: one `Name: value` line each (values single-line)."""
    lines = (f"{name}: {' '.join(str(value).split())}\r\n" for name, value in pairs)
    return "".join(lines).encode("utf-8")


def _record(record_type: str, content: bytes, headers: list[tuple[str, str]], content_type: str) -> ArcWarcRecord:
    # Built directly (not via create_warc_record) so warcio never re-serialises the HTTP header block:
    # the bytes stored are the bytes received, header case, order, spacing and reason phrase included.
    rec_headers = StatusAndHeaders("", [("WARC-Type", record_type), *headers], protocol=WARC_VERSION)
    rec_headers.add_header("WARC-Block-Digest", sha1_label(content))
    rec_headers.add_header("Content-Type", content_type)
    # warcio writes a revisit's block from parsed HTTP headers (re-serialised); as "resource" it writes our bytes.
    writer_type = "resource" if record_type == "revisit" else record_type
    record = ArcWarcRecord("warc", writer_type, rec_headers, io.BytesIO(content), None, content_type, len(content))
    record.payload_length = len(content)
    return record


def warcinfo_record(filename: str, fields: list[tuple[str, str]], moment: datetime) -> ArcWarcRecord:
    headers = [
        ("WARC-Record-ID", new_record_id()),
        ("WARC-Date", warc_date(moment)),
        ("WARC-Filename", filename),
    ]
    return _record("warcinfo", warc_fields(fields), headers, FIELDS_TYPE)


def request_record(
    uri: str, raw: bytes, *, record_id: str, concurrent_to: str, moment: datetime, ip: str | None
) -> ArcWarcRecord:
    headers = [
        ("WARC-Record-ID", record_id),
        ("WARC-Date", warc_date(moment)),
        ("WARC-Target-URI", uri),
        ("WARC-Concurrent-To", concurrent_to),
        # Set here, or warcio would digest the whole block (headers included) as the payload.
        ("WARC-Payload-Digest", sha1_label(split_message(raw).body)),
    ]
    if ip:
        headers.append(("WARC-IP-Address", ip))
    return _record("request", raw, headers, HTTP_REQUEST_TYPE)


def response_record(
    uri: str, raw: bytes, body_offset: int, *, record_id: str, moment: datetime, ip: str | None
) -> ArcWarcRecord:
    headers = [
        ("WARC-Record-ID", record_id),
        ("WARC-Date", warc_date(moment)),
        ("WARC-Target-URI", uri),
        ("WARC-Payload-Digest", sha1_label(raw[body_offset:])),
    ]
    if ip:
        headers.append(("WARC-IP-Address", ip))
    return _record("response", raw, headers, HTTP_RESPONSE_TYPE)


def metadata_record(uri: str, fields: list[tuple[str, str]], *, refers_to: str, moment: datetime) -> ArcWarcRecord:
    headers = [
        ("WARC-Record-ID", new_record_id()),
        ("WARC-Date", warc_date(moment)),
        ("WARC-Target-URI", uri),
        ("WARC-Refers-To", refers_to),
        ("WARC-Concurrent-To", refers_to),
    ]
    return _record("metadata", warc_fields(fields), headers, FIELDS_TYPE)


def utcnow() -> datetime:
    return datetime.now(UTC)


REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def revisit_record(
    uri: str,
    head: bytes,
    payload_digest: str,
    *,
    record_id: str,
    moment: datetime,
    ip: str | None,
    refers_to_uri: str,
    refers_to_date: str,
) -> ArcWarcRecord:
    """A recapture whose body is byte-identical to an archived one: the HTTP head as received, no body."""
    headers = [
        ("WARC-Record-ID", record_id),
        ("WARC-Date", warc_date(moment)),
        ("WARC-Target-URI", uri),
        ("WARC-Profile", REVISIT_PROFILE),
        ("WARC-Refers-To-Target-URI", refers_to_uri),
        ("WARC-Refers-To-Date", refers_to_date),
        ("WARC-Payload-Digest", payload_digest),
        ("WARC-Truncated", "length"),
    ]
    if ip:
        headers.append(("WARC-IP-Address", ip))
    return _record("revisit", head, headers, HTTP_RESPONSE_TYPE)
