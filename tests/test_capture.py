"""A crawl of the fixture web writes WARCs a web archivist would trust: wire bytes, linked records, provenance."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archiver.store.local import LocalStore
from archiver.warc.http import split_message
from archiver.warc.members import iter_members
from archiver.warc.validate import ParsedRecord, parse_record, validate
from tests.conftest import CrawledArchive, archiver, crawl_args
from tests.fixtureweb.server import FixtureWeb
from tests.fixtureweb.sites import SAHIL_ARTICLES, feed_site


def _warcs(store: Path) -> list[Path]:
    return sorted((store / "warc").rglob("*.warc.gz"))


def _records(store: Path) -> list[tuple[str, ParsedRecord, bytes]]:
    """(file name, record, raw block) for every record, read with our own member reader (no re-parsing)."""
    out = []
    for path in _warcs(store):
        with path.open("rb") as handle:
            for member in iter_members(handle):
                record, error = parse_record(member.data)
                assert record is not None, error
                out.append((path.name, record, record.block))
    return out


def test_every_warc_passes_our_validator_and_warcio_check(crawled: CrawledArchive) -> None:
    files = _warcs(crawled.store)
    assert files, "the crawl wrote no WARC file"
    handles = [(str(p.relative_to(crawled.store)), p.open("rb")) for p in files]
    try:
        problems = validate(handles)
    finally:
        for _n, h in handles:
            h.close()
    assert problems == []
    check = subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", *map(str, files)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_warcinfo_names_the_software_settings_and_digest_convention(crawled: CrawledArchive) -> None:
    for path in _warcs(crawled.store):
        with path.open("rb") as handle:
            first = next(iter(ArchiveIterator(handle)))
            assert first.rec_type == "warcinfo"
            fields = first.content_stream().read().decode()
        assert "software: libya-news-archiver/" in fields
        assert "payload-digest: sha1 over the HTTP body as stored" in fields
        assert "setting-user_agent:" in fields
        assert "headers-rebuilt: none" in fields


def test_gzip_body_chunking_repeated_headers_and_reason_phrase_are_kept(crawled: CrawledArchive) -> None:
    sahil = crawled.web["sahil"]
    target = sahil.url(SAHIL_ARTICLES[0][0])
    responses = [
        body
        for _f, rec, body in _records(crawled.store)
        if rec.get("WARC-Type") == "response" and rec.get("WARC-Target-URI") == target
    ]
    assert responses, "the first article's response was not archived"
    message = split_message(responses[0])
    assert message.start_line == "HTTP/1.1 200 Very OK"
    headers = message.headers()
    assert [v for n, v in headers if n == "Set-Cookie"] == ["session=abc; Path=/", "lang=ar; Path=/"]
    assert ("x-fixture", "yes") in headers  # lower-case name as sent
    assert ("Content-Encoding", "gzip") in headers
    assert ("Transfer-Encoding", "chunked") in headers  # true: the stored body keeps the chunk framing
    assert message.body.endswith(b"0\r\n\r\n")
    html = gzip.decompress(message.entity()).decode("utf-8")
    assert "<article" in html


def test_request_records_hold_the_request_as_sent(crawled: CrawledArchive) -> None:
    sahil = crawled.web["sahil"]
    requests = {
        rec.get("WARC-Target-URI"): body
        for _f, rec, body in _records(crawled.store)
        if rec.get("WARC-Type") == "request"
    }
    calendar = next(body for uri, body in requests.items() if uri.startswith(sahil.url("/calendar/?month=")))
    assert calendar.startswith(b"GET /calendar/?month=")  # the query string is kept on the request line
    article = requests[sahil.url(SAHIL_ARTICLES[0][0])]
    assert f"Host: {sahil.host}:{sahil.port}".encode() in article  # added by Twisted, captured from the wire
    assert b"LibyaNewsArchiver/" in article


def test_redirect_hops_retries_and_robots_are_captured(crawled: CrawledArchive) -> None:
    sahil, feed = crawled.web["sahil"], crawled.web["feedonly"]
    statuses = {}
    for _f, rec, body in _records(crawled.store):
        if rec.get("WARC-Type") == "response":
            statuses.setdefault(rec.get("WARC-Target-URI"), []).append(split_message(body).start_line)
    assert statuses[sahil.url("/old/water-story")] == ["HTTP/1.1 301 Moved Permanently"]
    assert statuses[sahil.url("/robots.txt")] == ["HTTP/1.1 200 OK"]
    throttled = statuses[feed.url("/news/new-substation")]
    assert throttled[0].startswith("HTTP/1.1 429") and throttled[-1].startswith("HTTP/1.1 200")


def test_article_json_points_at_real_response_records(crawled: CrawledArchive) -> None:
    store = LocalStore(crawled.store)
    articles = list((crawled.store / "articles").rglob("*.json"))
    assert len(articles) >= 10
    for path in articles:
        article = json.loads(path.read_text(encoding="utf-8"))
        capture = article["capture"]
        raw = store.read_range(capture["warc_file"], capture["offset"], capture["length"])
        record = next(iter(ArchiveIterator(io.BytesIO(raw))))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Record-ID") == capture["record_id"]
        assert record.rec_headers.get_header("WARC-Payload-Digest") == capture["payload_digest"]
        assert record.rec_headers.get_header("WARC-Target-URI") == capture["url"] == article["url"]


def test_each_article_has_a_metadata_record_linking_its_json(crawled: CrawledArchive) -> None:
    links = {}
    for _f, rec, body in _records(crawled.store):
        if rec.get("WARC-Type") == "metadata" and b"article-key:" in body:
            fields = dict(line.split(": ", 1) for line in body.decode().strip().split("\r\n"))
            links[fields["article-key"]] = rec.get("WARC-Refers-To")
    for path in (crawled.store / "articles").rglob("*.json"):
        key = str(path.relative_to(crawled.store))
        article = json.loads(path.read_text(encoding="utf-8"))
        assert links[key] == article["capture"]["record_id"]


def test_manifest_lists_every_object_with_its_sha256(crawled: CrawledArchive) -> None:
    import hashlib

    manifests = list((crawled.store / "crawls").rglob("manifest.json"))
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text())
    assert manifest["status"] == "complete"
    listed = {entry["key"]: entry["sha256"] for entry in manifest["objects"]}
    stored = {
        str(p.relative_to(crawled.store)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in crawled.store.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(crawled.store).parts)
        # the manifest and the crawl's custody line are written after the objects they name
        and not str(p.relative_to(crawled.store)).startswith(("crawls/", "custody/"))
    }
    assert listed == stored
    assert manifest["counts"]["articles"] == len(list((crawled.store / "articles").rglob("*.json")))
    assert manifest["settings"]["user_agent"].startswith("LibyaNewsArchiver/")
    assert set(manifest["coverage"]) >= {"127.0.0.2", "127.0.0.3", "127.0.0.4"}


def test_no_temporary_or_spool_files_left_behind(crawled: CrawledArchive) -> None:
    spool = crawled.store / ".spool"
    leftovers = [p for p in spool.rglob("*") if p.is_file()]
    assert leftovers == []
    assert not [p for p in crawled.store.rglob(".*.tmp")]


def test_warc_files_rotate_at_the_configured_size(tmp_path: Path) -> None:
    site = feed_site("127.0.0.16")
    store = tmp_path / "a"
    with FixtureWeb([site]):
        run = archiver(*crawl_args(site.url("/"), store=str(store), extra=("--set=ARCHIVER_WARC_MAX_SIZE=4000",)))
    assert run.returncode == 0, run.stderr[-2000:]
    files = _warcs(store)
    assert len(files) >= 3
    serials = sorted(int(p.name.rsplit("-", 1)[1].split(".")[0]) for p in files)
    assert serials == list(range(len(files)))
    handles = [(str(p.relative_to(store)), p.open("rb")) for p in files]
    try:
        assert validate(handles) == []  # each file starts with its own warcinfo; links resolve across files
    finally:
        for _n, handle in handles:
            handle.close()


def test_http_cache_hits_are_never_archived_as_captures(tmp_path: Path) -> None:
    site = feed_site("127.0.0.17")
    cache = ["--set=HTTPCACHE_ENABLED=True", f"--set=HTTPCACHE_DIR={tmp_path / 'cache'}"]
    with FixtureWeb([site]):
        first = archiver(*crawl_args(site.url("/"), store=str(tmp_path / "first"), extra=tuple(cache)))
        served = len(site.log)
        second = archiver(*crawl_args(site.url("/"), store=str(tmp_path / "second"), extra=tuple(cache)))
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    assert served > 0 and len(site.log) == served  # the second crawl was answered from the cache alone
    responses = [r for _f, r, _b in _records(tmp_path / "second") if r.get("WARC-Type") == "response"]
    assert responses == []
    assert not (tmp_path / "second" / "articles").exists()


def test_metadata_records_carry_no_payload_digest(crawled: CrawledArchive) -> None:
    """A metadata record has fields, not an HTTP payload: FastWARC and warcat reject a payload digest on it."""
    types = {}
    for _f, rec, _body in _records(crawled.store):
        if rec.get("WARC-Type") in ("metadata", "warcinfo"):
            types.setdefault(rec.get("WARC-Type"), []).append(rec.get("WARC-Payload-Digest"))
    assert set(types) == {"metadata", "warcinfo"}
    assert {digest for digests in types.values() for digest in digests} == {None}


def test_the_validator_rejects_a_payload_digest_on_metadata(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from warcio.warcwriter import WARCWriter

    from archiver.warc import records

    moment = datetime(2026, 3, 1, tzinfo=UTC)
    buffer = io.BytesIO()
    plain = WARCWriter(buffer, gzip=True, warc_version="1.1")  # warcio adds a payload digest to metadata
    plain.write_record(records.warcinfo_record("x.warc.gz", [("software", "test")], moment))
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    response = records.response_record(
        "http://a.ly/", raw, raw.index(b"\r\n\r\n") + 4, record_id=records.new_record_id(), moment=moment, ip=None
    )
    plain.write_record(response)
    refers = response.rec_headers.get_header("WARC-Record-ID")
    plain.write_record(records.metadata_record("http://a.ly/", [("article-key", "k")], refers_to=refers, moment=moment))
    problems = [str(p) for p in validate([("x.warc.gz", io.BytesIO(buffer.getvalue()))])]
    assert len(problems) == 1 and "WARC-Payload-Digest on a metadata record" in problems[0], problems
