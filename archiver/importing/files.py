"""`archiver import FILE...`: WARC (.warc, .warc.gz) and WACZ files made by other tools (wget --warc-file,
browsertrix, Heritrix, pywb collections, py-wacz, this archive's own evidence packages).

Every input is read and checked in the spool before anything is written to the store, so a bad file (not a WARC,
truncated gzip, a WACZ without WARC files in archive/, records failing their digests) is refused with one line and
leaves the store as it was. A `.warc.gz` whose gzip members are one record each is stored byte for byte; a plain
`.warc` or a `.warc.gz` compressed as one stream is re-framed (each record, its bytes unchanged, as its own gzip
member, so records can be read by offset), and the manifest says so beside the sha256 of the file as it arrived.
Files are streamed: memory holds one record at a time, never a whole WARC.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archiver import SOFTWARE
from archiver.custody.log import Item
from archiver.errors import ArchiverError, ConfigError
from archiver.importing.run import (
    HTML_TYPES,
    ImportResult,
    ImportRun,
    InputOutcome,
    known_imports,
    work_dir,
    writable_store,
)
from archiver.records import Capture
from archiver.records.jsonbytes import parse_stamp
from archiver.store.layout import IMPORTED_FOLDER, imported_warc_key
from archiver.warc.records import metadata_record, utcnow
from archiver.warc.validate import validate

READ_SIZE = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
WACZ_ARCHIVE = "archive/"
WARC_NAMES = (".warc", ".warc.gz")
FILE_HINT = "give WARC (.warc, .warc.gz) or WACZ files"
GIVEN_TWICE = "this import (the same file was given before)"


class DamagedInputError(ArchiverError):
    """An input file that is a WARC or WACZ but damaged (exit code 1): nothing was imported."""


@dataclass
class Prepared:
    outcome: InputOutcome
    path: Path  # the bytes to store: the input as received, or re-framed (in the import's work folder)


def import_files(paths: list[str], store_uri: str | None = None, catalog: str | None = None) -> ImportResult:
    """Import WARC and WACZ files; files whose sha256 an earlier import took in are skipped (said in the result)."""
    if not paths:
        raise ConfigError(f"nothing to import: {FILE_HINT}, or use `archiver import wayback URL-PREFIX --cdx URL`")
    for given in paths:
        if not Path(given).is_file():
            raise ConfigError(f"{given}: no such file; {FILE_HINT}")
    store, spool = writable_store(store_uri)
    known = known_imports(store)
    work = work_dir(spool, f"files-{secrets.token_hex(4)}")
    try:
        outcomes: list[InputOutcome] = []
        prepared: list[Prepared] = []
        for given in paths:
            _prepare_input(Path(given), work, known, outcomes, prepared)
        if prepared:
            _check_together(prepared)
        if not prepared:
            return ImportResult(None, None, outcomes)
        settings = {"kind": "files", "inputs": [Path(p).name for p in paths]}
        run = ImportRun(store, spool, settings, _capture_fields(), catalog)
        run.inputs = outcomes
        for serial, item in enumerate(prepared, 1):
            _import_warc(run, item, serial)
        for outcome in outcomes:
            if outcome.status == "imported" and outcome.sha256:
                run.custody_inputs.append(Item(outcome.name, outcome.sha256))
        return run.finish({"kind": "files"})
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _capture_fields() -> list[tuple[str, str]]:
    return [
        ("capture-method", "imported: records of WARC files made by other tools, kept as received in warc/imported/"),
        ("capture-fidelity", "as the imported files hold them; this file holds this archive's metadata about them"),
        ("headers-rebuilt", "none"),
        ("importer", SOFTWARE),
    ]


# -- reading the inputs --------------------------------------------------------------------------------------------
def _hash(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(READ_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _prepare_input(
    path: Path, work: Path, known: dict[str, str], outcomes: list[InputOutcome], prepared: list[Prepared]
) -> None:
    with path.open("rb") as handle:
        magic = handle.read(8)
    sha256, size = _hash(path)
    outcome = InputOutcome(path.name, sha256, size)
    outcomes.append(outcome)
    if sha256 in known:
        outcome.status, outcome.already_in = "already imported", known[sha256]
        return
    if magic.startswith(ZIP_MAGIC):
        outcome.kind = "wacz"
        known[sha256] = GIVEN_TWICE
        _prepare_wacz(path, work, known, outcomes, prepared)
        return
    if not (magic.startswith(GZIP_MAGIC) or magic.startswith(b"WARC/")):
        raise ConfigError(f"{path}: not a WARC or WACZ file (it starts with {magic[:8]!r}); {FILE_HINT}")
    prepared.append(_prepare_warc(outcome, path, work / f"{len(prepared):05d}.warc.gz"))
    known[sha256] = GIVEN_TWICE


def _prepare_wacz(
    path: Path, work: Path, known: dict[str, str], outcomes: list[InputOutcome], prepared: list[Prepared]
) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DamagedInputError(f"{path}: not a readable WACZ (zip) file ({exc}); nothing was imported") from exc
    with archive:
        members = [
            info
            for info in archive.infolist()
            if info.filename.startswith(WACZ_ARCHIVE) and info.filename.endswith(WARC_NAMES) and not info.is_dir()
        ]
        if not members:
            raise ConfigError(f"{path}: a WACZ without WARC files in {WACZ_ARCHIVE}; {FILE_HINT}")
        for info in members:
            target = work / f"{len(prepared):05d}.member"
            try:
                with archive.open(info) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, READ_SIZE)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
                raise DamagedInputError(
                    f"{path}: {info.filename} cannot be read ({exc}); nothing was imported"
                ) from exc
            sha256, size = _hash(target)
            outcome = InputOutcome(f"{path.name}#{info.filename}", sha256, size)
            outcomes.append(outcome)
            if sha256 in known:
                outcome.status, outcome.already_in = "already imported", known[sha256]
                target.unlink()
                continue
            prepared.append(_prepare_warc(outcome, target, work / f"{len(prepared):05d}.warc.gz"))
            known[sha256] = GIVEN_TWICE
            if target.exists():
                target.unlink()


def _prepare_warc(outcome: InputOutcome, source: Path, target: Path) -> Prepared:
    """The bytes to store for one WARC input: the file as received when each gzip member holds one record, else
    its records re-framed one per gzip member. Raises for a file that is no WARC or is damaged."""
    name = outcome.name
    plain = target.with_suffix(".plain")
    try:
        with source.open("rb") as handle:
            gzipped = handle.read(2) == GZIP_MAGIC
        if gzipped:
            with source.open("rb") as handle, plain.open("wb") as out:
                member_ends = _gunzip_members(handle, out, name)
            reading = plain
        else:
            member_ends, reading = None, source
        with reading.open("rb") as handle:
            spans = list(_record_spans(handle, name))
        if not spans:
            raise ConfigError(f"{name}: holds no WARC record; {FILE_HINT}")
        if member_ends is not None and member_ends == [offset + length for offset, length in spans]:
            shutil.copyfile(source, target)  # one record per gzip member already: stored byte for byte
        else:
            _reframe(reading, spans, target)
            outcome.reframed = True
            outcome.stored_sha256 = _hash(target)[0]
    finally:
        plain.unlink(missing_ok=True)
    return Prepared(outcome, target)


def _gunzip_members(handle: BinaryIO, out: BinaryIO, name: str) -> list[int]:
    """Decompress every gzip member into `out`; returns where each member's data ends in the output."""
    ends: list[int] = []
    written = offset = 0
    pending = b""
    while True:
        if not pending:
            pending = handle.read(READ_SIZE)
            if not pending:
                return ends
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data, consumed = pending, 0
        try:
            while True:
                chunk = inflater.decompress(data)
                out.write(chunk)
                written += len(chunk)
                consumed += len(data)
                if inflater.eof:
                    break
                data = handle.read(READ_SIZE)
                if not data:
                    raise DamagedInputError(
                        f"{name}: truncated gzip data (the file ends inside the member at offset {offset}); "
                        "nothing was imported: get the complete file"
                    )
        except zlib.error as exc:
            raise DamagedInputError(
                f"{name}: corrupt gzip data in the member at offset {offset} ({exc}); nothing was imported"
            ) from exc
        pending = inflater.unused_data
        offset += consumed - len(pending)
        ends.append(written)


def _record_spans(handle: BinaryIO, name: str) -> Iterator[tuple[int, int]]:
    """(offset, length) of each record of an uncompressed WARC, its closing CRLFCRLF included."""
    offset = 0
    while True:
        handle.seek(offset)
        head = b""
        while b"\r\n\r\n" not in head:
            more = handle.read(8192)
            if not more:
                if head.strip(b"\r\n"):
                    raise DamagedInputError(f"{name}: truncated WARC record at offset {offset}; nothing was imported")
                return
            head += more
            if len(head) > 1024 * 1024:
                raise ConfigError(f"{name}: no WARC record header at offset {offset}; {FILE_HINT}")
        skipped = len(head) - len(head.lstrip(b"\r\n"))
        head = head[skipped:]
        if not head.startswith(b"WARC/"):
            raise ConfigError(f"{name}: not a WARC file (no WARC/ record at offset {offset}); {FILE_HINT}")
        header_end = head.index(b"\r\n\r\n") + 4
        length = _content_length(head[:header_end], name, offset)
        start = offset + skipped
        total = header_end + length + 4
        handle.seek(start + total - 4)
        if handle.read(4) != b"\r\n\r\n":
            raise DamagedInputError(
                f"{name}: the WARC record at offset {start} is cut short or does not end with CRLFCRLF; "
                "nothing was imported"
            )
        yield start, total
        offset = start + total


def _content_length(head: bytes, name: str, offset: int) -> int:
    for line in head.split(b"\r\n")[1:]:
        field, _, value = line.partition(b":")
        if field.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                break
    raise DamagedInputError(f"{name}: the WARC record at offset {offset} has no valid Content-Length")


def _reframe(source: Path, spans: list[tuple[int, int]], target: Path) -> None:
    with source.open("rb") as handle, target.open("wb") as out:
        for offset, length in spans:
            handle.seek(offset)
            compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            out.write(compressor.compress(handle.read(length)) + compressor.flush())


def _check_together(prepared: list[Prepared]) -> None:
    """The records of every input, validated together (their links may cross files), as `verify` will."""
    handles = [(item.outcome.name, item.path.open("rb")) for item in prepared]
    try:
        problems = validate(handles, foreign=lambda _name: True)
    finally:
        for _name, handle in handles:
            handle.close()
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DamagedInputError(f"{problems[0]}{more}: the records fail validation; nothing was imported")


# -- storing and extracting ----------------------------------------------------------------------------------------
def _import_warc(run: ImportRun, item: Prepared, serial: int) -> None:
    from warcio.archiveiterator import ArchiveIterator

    from archiver.bounded import decode_max_size

    outcome = item.outcome
    key = imported_warc_key(run.import_id, run.started, serial)
    outcome.warc_key = key
    limit = decode_max_size()
    articles: dict[str, dict[str, str]] = {}
    first_id: str | None = None
    first_url: str | None = None
    with item.path.open("rb") as handle:
        iterator = ArchiveIterator(handle, no_record_parse=False, check_digests=False)
        for record in iterator:
            outcome.records += 1
            get = record.rec_headers.get_header
            url = (get("WARC-Target-URI") or "").strip().strip("<>")
            first_id = first_id or get("WARC-Record-ID")
            if first_url is None and url.startswith(("http://", "https://")):
                first_url = url
            if record.rec_type != "response" or not url.startswith(("http://", "https://")):
                continue
            outcome.responses += 1
            http = record.http_headers
            if http is None:
                continue
            try:
                status = int(http.get_statuscode())
            except (TypeError, ValueError):
                continue
            headers = {name: value for name, value in http.headers}
            content_type = headers.get("Content-Type") or next(
                (v for k, v in http.headers if k.lower() == "content-type"), ""
            )
            if not 200 <= status < 300 or content_type.split(";", 1)[0].strip().lower() not in HTML_TYPES:
                continue
            body = record.raw_stream.read(limit + 1)
            offset, length = iterator.get_record_offset(), iterator.get_record_length()
            if len(body) > limit:
                run.archive.counts["imported_pages_too_large_to_extract"] += 1
                continue
            capture = Capture(
                url=url,
                fetched_at=parse_stamp(get("WARC-Date")),
                status=status,
                warc_file=key,
                record_id=get("WARC-Record-ID"),
                offset=offset,
                length=length,
                payload_digest=get("WARC-Payload-Digest") or "",
                source="imported",
                imported_from=outcome.name,
            )
            link = run.add_article(capture, headers, body, outcome)
            if link is not None:
                articles[capture.record_id] = link
    _record_arrival(run, outcome, first_id, first_url)
    closed = run.spool.mark_closed(_into_spool(run, key, item.path))
    run.archive.publish_imported(key, closed, articles)
    run.archive.counts["imported_files"] += 1
    run.check()


def _record_arrival(run: ImportRun, outcome: InputOutcome, first_id: str | None, first_url: str | None) -> None:
    """A metadata record in the import's own WARC saying where an imported file came from and what it was on
    arrival. Its target is the file's content address (`urn:sha256:...`); it refers to the file's first record
    (its warcinfo, as most tools write). Filed with the site of the file's first URL."""
    from archiver.sites import site_id_for_url

    assert outcome.sha256 is not None and outcome.warc_key is not None and first_id is not None
    fields = [
        ("imported-file", outcome.name),
        ("sha256-on-arrival", outcome.sha256),
        ("size-on-arrival", str(outcome.size)),
        ("stored-as", outcome.warc_key),
        ("reframed", "yes: one gzip member per record, record bytes unchanged" if outcome.reframed else "no"),
        ("stored-sha256", outcome.stored_sha256 or outcome.sha256),
        ("records", str(outcome.records)),
        ("importer", SOFTWARE),
    ]
    moment = utcnow()
    record = metadata_record(f"urn:sha256:{outcome.sha256}", fields, refers_to=first_id, moment=moment)
    site = site_id_for_url(first_url) if first_url else IMPORTED_FOLDER
    run.archive.write_records(site, [record], moment)
    run.check()


def _into_spool(run: ImportRun, key: str, path: Path) -> Path:
    target = run.spool.open_path(key)
    os.replace(path, target)
    return target
