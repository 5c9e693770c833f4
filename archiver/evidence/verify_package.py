"""Check an evidence package offline: zip layout, every file against `datapackage.json`, the datapackage digest, the
signature and certificate, the timestamp, every WARC record's digests, the index and every article JSON against the
record it cites. Nothing here opens a network connection.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography import x509

from archiver.evidence import wacz
from archiver.evidence.package import ARTICLES
from archiver.evidence.report import Capture, PackageReport
from archiver.evidence.signing import (
    SignatureInvalid,
    chains_to,
    load_pem_chain,
    verify_signature,
    verify_timestamp,
)
from archiver.warc.integrity import DamagedRecordError, checked_record
from archiver.warc.members import TruncatedMember, iter_members
from archiver.warc.validate import parse_record


def verify_package(path: Path, trusted: Sequence[x509.Certificate] = ()) -> PackageReport:
    report = PackageReport()
    try:
        archive = zipfile.ZipFile(path)
    except Exception as error:  # noqa: BLE001 - any damage to the directory, named for the reader
        report.failures.append(f"zip structure: {path} is not a readable zip file ({error})")
        return report
    with archive, tempfile.TemporaryDirectory(prefix="verify-package-") as folder:
        members = _extract(archive, Path(folder), report)
        if members is None:
            return report
        _check_layout(path, archive, members, report)
        package_bytes = _bytes(members, wacz.DATAPACKAGE, report)
        digest_bytes = _bytes(members, wacz.DIGEST_FILE, report)
        if package_bytes is None or digest_bytes is None:
            return report
        _check_hashes(package_bytes, members, report)
        _check_digest_and_signature(package_bytes, digest_bytes, trusted, report)
        record_ids = _check_warcs(members, report)
        _check_index(members, record_ids, report)
        _check_articles(members, record_ids, report)
    return report


def _extract(archive: zipfile.ZipFile, folder: Path, report: PackageReport) -> dict[str, Path] | None:
    members: dict[str, Path] = {}
    for index, info in enumerate(archive.infolist()):
        if info.filename in members or info.filename.startswith("/") or ".." in info.filename.split("/"):
            report.failures.append(f"zip structure: unsafe or repeated member name {info.filename!r}")
            return None
        target = folder / f"{index}"
        try:
            with archive.open(info) as source, target.open("wb") as sink:
                while chunk := source.read(wacz.COPY_CHUNK):
                    sink.write(chunk)
        except Exception as error:  # noqa: BLE001 - a damaged zip fails in many ways (CRC, flags, encryption bit)
            report.failures.append(f"{info.filename}: cannot be read from the zip ({error})")
            continue
        members[info.filename] = target
    return members


def _check_layout(path: Path, archive: zipfile.ZipFile, members: dict[str, Path], report: PackageReport) -> None:
    """Rebuild the canonical zip from the members: a byte flipped in a zip header (no hash covers it) shows here."""
    names = [info.filename for info in archive.infolist() if info.filename in members]
    with tempfile.TemporaryFile() as rebuilt:
        wacz.write_zip(rebuilt, [wacz.Member(name, path=members[name]) for name in names])
        rebuilt.seek(0)
        with path.open("rb") as original:
            offset = 0
            while True:
                mine, theirs = rebuilt.read(wacz.COPY_CHUNK), original.read(wacz.COPY_CHUNK)
                if mine != theirs:
                    at = offset + next(
                        (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
                        min(len(mine), len(theirs)),
                    )
                    report.failures.append(
                        f"zip structure: the package's bytes differ from its canonical layout at byte {at}"
                    )
                    return
                if not mine:
                    return
                offset += len(mine)


def _bytes(members: dict[str, Path], name: str, report: PackageReport) -> bytes | None:
    if name not in members:
        if not any(failure.startswith(f"{name}: ") for failure in report.failures):  # unreadable is said already
            report.failures.append(f"{name}: missing")
        return None
    return members[name].read_bytes()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(wacz.COPY_CHUNK):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _check_hashes(package_bytes: bytes, members: dict[str, Path], report: PackageReport) -> None:
    try:
        resources = json.loads(package_bytes)["resources"]
    except (ValueError, KeyError, TypeError):
        report.failures.append(f"{wacz.DATAPACKAGE}: not a readable data package")
        return
    listed = set()
    for resource in resources:
        name = str(resource.get("path"))
        listed.add(name)
        if name not in members:
            report.failures.append(f"{name}: listed in {wacz.DATAPACKAGE} but missing from the package")
            continue
        report.files += 1
        if _sha256(members[name]) != resource.get("hash") or members[name].stat().st_size != resource.get("bytes"):
            report.failures.append(f"{name}: its sha256 does not match {wacz.DATAPACKAGE} (the file was changed)")
    for name in members:
        if name not in listed and name not in (wacz.DATAPACKAGE, wacz.DIGEST_FILE):
            report.failures.append(f"{name}: not listed in {wacz.DATAPACKAGE} (added after packaging)")


def _check_digest_and_signature(
    package_bytes: bytes, digest_bytes: bytes, trusted: Sequence[x509.Certificate], report: PackageReport
) -> None:
    try:
        digest = json.loads(digest_bytes)
    except ValueError:
        report.failures.append(f"{wacz.DIGEST_FILE}: not readable JSON")
        return
    expected = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
    if digest.get("path") != wacz.DATAPACKAGE or digest.get("hash") != expected:
        report.failures.append(f"{wacz.DIGEST_FILE}: the datapackage digest does not match {wacz.DATAPACKAGE}")
    signed: dict[str, Any] | None = digest.get("signedData")
    if not signed:
        if trusted:
            report.failures.append("signature: the package is not signed, but --trust asks for a trusted signer")
        return
    if signed.get("hash") != expected:
        report.failures.append("signature: the signed hash is not this package's datapackage digest")
    try:
        leaf = verify_signature(str(signed.get("hash")), str(signed.get("signature")), str(signed.get("domainCert")))
        report.signer = leaf.subject.rfc4514_string()
        if trusted:
            report.signer_trusted = chains_to(load_pem_chain(str(signed["domainCert"])), trusted)
            if not report.signer_trusted:
                report.failures.append(f"signature: signer {report.signer} is not among the certificates trusted")
    except (SignatureInvalid, ValueError) as error:
        report.failures.append(f"signature: {error}")
        return
    if "timeSignature" not in signed:
        return
    try:
        token = base64.b64decode(str(signed["timeSignature"]), validate=True)
        signature = base64.b64decode(str(signed["signature"]), validate=True)
        chain = str(signed.get("timestampCert") or "")
        report.time = verify_timestamp(token, signature, chain)
        created = str(signed.get("created", ""))
        if trusted:
            report.tsa_trusted = chains_to(load_pem_chain(chain) if chain else [], trusted)
            if not report.tsa_trusted:
                report.failures.append(
                    f"timestamp: authority {report.time.authority} is not among the certificates trusted"
                )
        if created and abs((report.time.time - _parse_time(created)).total_seconds()) > 24 * 3600:
            report.failures.append("timestamp: the authority's time is more than a day from the signature's")
    except (SignatureInvalid, ValueError) as error:
        report.failures.append(f"timestamp: {error}")


def _parse_time(text: str) -> Any:
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_warcs(members: dict[str, Path], report: PackageReport) -> dict[str, tuple[str, int, int, dict[str, str]]]:
    """Every record of every WARC against its own digests; returns record id -> (file, offset, length, headers)."""
    found: dict[str, tuple[str, int, int, dict[str, str]]] = {}
    for name, path in members.items():
        if not (name.startswith("archive/") and name.endswith((".warc.gz", ".warc"))):
            continue
        try:
            with path.open("rb") as handle:
                for member in iter_members(handle):
                    raw = _raw(path, member.offset, member.length)
                    try:
                        checked_record(raw, name, member.offset)
                    except DamagedRecordError:
                        report.failures.append(f"{name}: record at offset {member.offset} fails its digests")
                        continue
                    record, _error = parse_record(member.data)
                    if record is None:
                        continue
                    report.records += 1
                    headers = {
                        k: record.get(k) or ""
                        for k in (
                            "WARC-Record-ID",
                            "WARC-Type",
                            "WARC-Target-URI",
                            "WARC-Date",
                            "WARC-IP-Address",
                            "WARC-Payload-Digest",
                        )
                    }
                    found[headers["WARC-Record-ID"]] = (name, member.offset, member.length, headers)
        except (TruncatedMember, OSError, ValueError) as error:
            report.failures.append(f"{name}: not a readable WARC file ({error})")
        except Exception as error:  # noqa: BLE001 - zlib errors and the like: damage, named for the reader
            report.failures.append(f"{name}: not a readable WARC file ({error})")
    return found


def _raw(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read(length)


def _check_index(members: dict[str, Path], records: dict[str, Any], report: PackageReport) -> None:
    index = members.get(wacz.INDEX)
    if index is None:
        report.failures.append(f"{wacz.INDEX}: missing")
        return
    for number, line in enumerate(index.read_bytes().splitlines(), 1):
        try:
            fields = json.loads(line.split(b" ", 2)[2])
            place = records.get(fields["record_id"])
            if (
                place is None
                or place[0] != "archive/" + fields["filename"]
                or (place[1], place[2])
                != (
                    int(fields["offset"]),
                    int(fields["length"]),
                )
            ):
                raise ValueError("points at no record of the package")
        except (ValueError, KeyError, IndexError) as error:
            report.failures.append(f"{wacz.INDEX}: line {number} {error}")
            continue
        headers = place[3]
        if headers["WARC-Type"] == "response":
            report.captures.append(
                Capture(
                    headers["WARC-Target-URI"],
                    headers["WARC-Date"],
                    headers["WARC-IP-Address"] or None,
                    fields["record_id"],
                )
            )


def _check_articles(members: dict[str, Path], records: dict[str, Any], report: PackageReport) -> None:
    for name, path in members.items():
        if not name.startswith(ARTICLES):
            continue
        try:
            capture = json.loads(path.read_bytes())["capture"]
            place = records.get(capture["record_id"])
        except (ValueError, KeyError, TypeError):
            report.failures.append(f"{name}: not a readable article JSON")
            continue
        if place is None:
            report.failures.append(f"{name}: cites record {capture['record_id']}, which the package does not hold")
        elif place[2] != capture.get("length") or (
            capture.get("payload_digest") and place[3]["WARC-Payload-Digest"] != capture["payload_digest"]
        ):
            report.failures.append(f"{name}: does not match the record it cites ({capture['record_id']})")
        else:
            report.articles += 1
            if capture.get("source") == "imported":  # taken in from another archive: the summary says whose
                for found in report.captures:
                    if found.record_id == capture["record_id"]:
                        found.imported_from = str(capture.get("imported_from") or "another archive")
