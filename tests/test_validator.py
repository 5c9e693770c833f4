"""Our WARC validator catches what `warcio check` lets through (docs/capture.md)."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
from pathlib import Path

from archiver.warc import records
from archiver.warc.validate import validate
from archiver.warc.writer import WarcFile

RAW_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
RAW_REQUEST = b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"


def _good_warc(path: Path) -> None:
    moment = records.utcnow()
    warc = WarcFile(path, f"warc/x/{path.name}", [("software", "test")], moment)
    response_id = records.new_record_id()
    warc.write(
        records.response_record(
            "http://example.test/",
            RAW_RESPONSE,
            RAW_RESPONSE.index(b"hello"),
            record_id=response_id,
            moment=moment,
            ip="127.0.0.1",
        )
    )
    warc.write(
        records.request_record(
            "http://example.test/",
            RAW_REQUEST,
            record_id=records.new_record_id(),
            concurrent_to=response_id,
            moment=moment,
            ip="127.0.0.1",
        )
    )
    warc.close()


def _problems(path: Path) -> list[str]:
    with path.open("rb") as handle:
        return [p.message for p in validate([(path.name, handle)])]


def _warcio_check(path: Path) -> int:
    return subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", str(path)], capture_output=True
    ).returncode


def _members(path: Path) -> list[bytes]:
    data = path.read_bytes()
    out, pos = [], 0
    import zlib

    while pos < len(data):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(d.decompress(data[pos:]))
        pos = len(data) - len(d.unused_data)
    return out


def _rewrite(path: Path, members: list[bytes]) -> None:
    path.write_bytes(b"".join(gzip.compress(m) for m in members))


def test_a_good_file_passes_both(tmp_path: Path) -> None:
    path = tmp_path / "good.warc.gz"
    _good_warc(path)
    assert _problems(path) == []
    assert _warcio_check(path) == 0


def test_missing_record_id_and_date_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    _good_warc(path)
    members = _members(path)
    members[1] = b"\r\n".join(
        line for line in members[1].split(b"\r\n") if not line.startswith((b"WARC-Record-ID", b"WARC-Date"))
    )
    _rewrite(path, members)
    problems = _problems(path)
    assert "missing WARC-Record-ID" in problems and "missing WARC-Date" in problems
    assert _warcio_check(path) == 0  # warcio is blind to this


def test_a_truncated_final_record_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    _good_warc(path)
    data = path.read_bytes()
    path.write_bytes(data[:-20])
    assert any("truncated" in p for p in _problems(path))


def test_a_flipped_byte_in_the_block_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    _good_warc(path)
    members = _members(path)
    members[1] = members[1].replace(b"hello", b"jello")
    _rewrite(path, members)
    assert "WARC-Block-Digest does not match the block" in _problems(path)


def test_two_records_in_one_gzip_member_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    _good_warc(path)
    members = _members(path)
    _rewrite(path, [members[0], members[1] + members[2]])
    assert any("member holds two records" in p for p in _problems(path))


def test_unresolved_links_and_orphan_requests_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    _good_warc(path)
    members = _members(path)
    _rewrite(path, [members[0], members[2]])  # drop the response: the request now points nowhere
    problems = _problems(path)
    assert any("resolves to no record" in p for p in problems)
    assert "request record not concurrent to a response or revisit record" in problems


def test_duplicate_record_ids_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    _good_warc(path)
    members = _members(path)
    _rewrite(path, [*members, members[1]])
    assert any(p.startswith("duplicate WARC-Record-ID") for p in _problems(path))


def test_warcinfo_must_come_first_and_name_its_file(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    _good_warc(path)
    members = _members(path)
    _rewrite(path, [members[1], members[0], members[2]])
    problems = _problems(path)
    assert "first record is not warcinfo" in problems
    assert "WARC-Filename outside the warcinfo record" in problems


def test_validate_reads_streams(tmp_path: Path) -> None:
    path = tmp_path / "good.warc.gz"
    _good_warc(path)
    assert validate([("good.warc.gz", io.BytesIO(path.read_bytes()))]) == []


def test_every_record_starts_with_a_bare_version_line(tmp_path: Path) -> None:
    path = tmp_path / "good.warc.gz"
    _good_warc(path)
    with gzip.open(path) as handle:
        lines = [line for line in handle.read().split(b"\r\n") if line.startswith(b"WARC/")]
    assert lines and set(lines) == {b"WARC/1.1"}
    members = _members(path)
    members[1] = members[1].replace(b"WARC/1.1\r\n", b"WARC/1.1 WARC/1.1\r\n", 1)
    doubled = tmp_path / "doubled.warc.gz"
    _rewrite(doubled, members)
    assert any("malformed version line" in p for p in _problems(doubled))


def test_a_revisit_record_keeps_the_head_bytes_as_received(tmp_path: Path) -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nX-Odd:  spaced\r\n\r\n"
    record = records.revisit_record(
        "http://example.test/",
        head,
        records.sha1_label(b"hello"),
        record_id=records.new_record_id(),
        moment=records.utcnow(),
        ip=None,
        refers_to_uri="http://example.test/",
        refers_to_date="2026-01-01T00:00:00.000000Z",
    )
    path = tmp_path / "revisit.warc.gz"
    warc = WarcFile(path, f"warc/x/{path.name}", [("software", "test")], records.utcnow())
    warc.write(record)
    warc.close()
    assert _members(path)[1].endswith(b"Content-Length: %d\r\n\r\n" % len(head) + head + b"\r\n\r\n")
    assert _problems(path) == []


def test_a_request_the_response_names_as_concurrent_passes_as_wget_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    moment = records.utcnow()
    warc = WarcFile(path, f"warc/x/{path.name}", [("software", "test")], moment)
    request_id = records.new_record_id()
    request = records.request_record(
        "http://example.test/", RAW_REQUEST, record_id=request_id, concurrent_to="", moment=moment, ip=None
    )
    request.rec_headers.remove_header("WARC-Concurrent-To")  # wget: the request first, naming nothing
    warc.write(request)
    response = records.response_record(
        "http://example.test/",
        RAW_RESPONSE,
        RAW_RESPONSE.index(b"hello"),
        record_id="<urn:x:1>",
        moment=moment,
        ip=None,
    )
    response.rec_headers.add_header("WARC-Concurrent-To", request_id)  # the response names its request
    warc.write(response)
    warc.close()
    assert _problems(path) == []
    members = _members(path)
    _rewrite(path, [members[0], members[1]])  # without the response the request is an orphan again
    assert "request record not concurrent to a response or revisit record" in _problems(path)


def test_a_file_made_elsewhere_keeps_its_own_first_record_and_name(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    _good_warc(path)
    members = _members(path)
    _rewrite(path, [members[1], members[2]])  # no warcinfo record, as some tools write
    with path.open("rb") as handle:
        assert validate([("imported-1.warc.gz", handle)], foreign=lambda _name: True) == []
    assert "first record is not warcinfo" in _problems(path)
    _rewrite(path, [members[2]])  # a request whose response is in a file not given (a package left it out)
    with path.open("rb") as handle:
        assert validate([("imported-1.warc.gz", handle)], foreign=lambda _name: True) == []
