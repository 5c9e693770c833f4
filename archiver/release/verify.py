"""`archiver verify-release DIR [--store URI]`: is a release still exactly what it was sealed as?

Checks, offline: release-digest.json against release.json; every listed file's sha256; no file that is not listed;
the export manifest and row count (verify-export); every row names its capture; every custody line is well formed.
With a store: every row against its WARC record, and every custody line present, byte for byte, in the store's log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.custody.log import StoredLine, read_lines
from archiver.custody.verify import line_problem
from archiver.datasets.verify_export import verify_export
from archiver.errors import NotFoundError
from archiver.release.build import CUSTODY_NAME
from archiver.release.rows import capture_id, data_files, release_rows
from archiver.release.seal import DIGEST_NAME, RELEASE_NAME, release_digest
from archiver.store import Store
from archiver.store.base import sha256_file


@dataclass
class ReleaseReport:
    name: str = ""
    version: str = ""
    files: int = 0
    rows: int = 0
    custody_lines: int = 0
    signer: str | None = None  # the signing certificate's subject, when the signature verified
    timestamp: str | None = None  # "TIME by AUTHORITY", when the token verified
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_release(folder: Path, store: Store | None = None, trust: Sequence[bytes] = ()) -> ReleaseReport:
    """`trust`: PEM certificates the signature must chain to (none: any signature that verifies is reported)."""
    folder = folder.expanduser()
    if not (folder / RELEASE_NAME).is_file():
        raise NotFoundError(f"no {RELEASE_NAME} in {folder}: give the folder `archiver release` wrote")
    report = ReleaseReport()
    try:
        sealed = json.loads((folder / DIGEST_NAME).read_text(encoding="utf-8"))
        if sealed.get("hash") != release_digest(folder):
            report.problems.append(f"{RELEASE_NAME}: its sha256 differs from the one sealed in {DIGEST_NAME}")
        _check_signed(sealed, trust, report)
    except (OSError, ValueError, AttributeError) as exc:
        report.problems.append(f"{DIGEST_NAME}: missing or unreadable ({exc.__class__.__name__})")
    try:
        release = json.loads((folder / RELEASE_NAME).read_text(encoding="utf-8"))
        listed = {str(e["name"]): str(e["sha256"]) for e in release["files"]}
        report.name, report.version = str(release["name"]), str(release["version"])
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"{RELEASE_NAME}: unreadable ({exc.__class__.__name__})")
        return report
    report.files = len(listed)
    for name, want in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            report.problems.append(f"{name}: listed in {RELEASE_NAME} but missing")
        elif sha256_file(path) != want:
            report.problems.append(f"{name}: sha256 {sha256_file(path)} differs from {want} in {RELEASE_NAME}")
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in listed and name not in (RELEASE_NAME, DIGEST_NAME):
            report.problems.append(f"{name}: in the release folder but not in {RELEASE_NAME}")
    exported = verify_export(folder, store)
    report.problems += exported.problems
    report.rows = exported.rows
    _check_rows(folder, report)
    _check_custody(folder, store, report)
    return report


def _check_signed(sealed: dict[str, Any], trust: Sequence[bytes], report: ReleaseReport) -> None:
    from archiver.evidence.signing import (
        SignatureInvalid,
        chains_to,
        load_pem_chain,
        verify_signature,
        verify_timestamp,
    )

    signed = sealed.get("signedData")
    if not isinstance(signed, dict):
        if trust:
            report.problems.append(f"{DIGEST_NAME}: the release is not signed, and --trust asks for a signature")
        return
    if signed.get("hash") != sealed.get("hash"):
        report.problems.append(f"{DIGEST_NAME}: the signed hash differs from the sealed hash")
    digest = str(signed.get("hash"))
    try:
        if "signature" in signed:
            certificate = verify_signature(digest, str(signed["signature"]), str(signed.get("certificate", "")))
            report.signer = certificate.subject.rfc4514_string()
            if trust and not chains_to(
                load_pem_chain(str(signed["certificate"])), [cert for pem in trust for cert in load_pem_chain(pem)]
            ):
                report.problems.append(f"{DIGEST_NAME}: signed by {report.signer}, not by a trusted certificate")
        elif trust:
            report.problems.append(f"{DIGEST_NAME}: the release is not signed, and --trust asks for a signature")
    except SignatureInvalid as exc:
        report.problems.append(f"{DIGEST_NAME}: signature: {exc}")
    try:
        if "timeSignature" in signed:
            stamped = base64.b64decode(signed["signature"]) if "signature" in signed else digest.encode("utf-8")
            token = base64.b64decode(str(signed["timeSignature"]))
            info = verify_timestamp(token, stamped, str(signed.get("timestampCert", "")))
            report.timestamp = f"{info.time.isoformat()} by {info.authority}"
    except (SignatureInvalid, ValueError) as exc:
        report.problems.append(f"{DIGEST_NAME}: timestamp: {exc}")


def _check_rows(folder: Path, report: ReleaseReport) -> None:
    try:
        meta = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for entry in data_files(meta):
            for n, row in enumerate(release_rows(folder / entry, str(meta["format"])), 1):
                if capture_id(row) is None:
                    report.problems.append(f"{entry} row {n} ({row.get('id')}): names no capture")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"the data rows could not be read ({exc.__class__.__name__})")


def _check_custody(folder: Path, store: Store | None, report: ReleaseReport) -> None:
    path = folder / CUSTODY_NAME
    if not path.is_file():
        return
    in_store = {line.data for line in read_lines(store)} if store is not None else None
    for n, data in enumerate(path.read_bytes().splitlines(keepends=True), 1):
        report.custody_lines += 1
        problem = _line_problem(data)
        if problem is not None:
            report.problems.append(f"{CUSTODY_NAME} line {n} {problem}")
        elif in_store is not None and data not in in_store:
            report.problems.append(f"{CUSTODY_NAME} line {n} is not in the custody log of {store.uri if store else ''}")


def _line_problem(data: bytes) -> str | None:
    try:
        moment = str(json.loads(data)["time"])
    except (ValueError, KeyError, TypeError):
        return "is not a custody line"
    key = f"custody/{moment[:4]}/{moment[5:7]}/0000000000.jsonl"  # the shape check wants the month folder only
    return line_problem(StoredLine(key, 0, data))
