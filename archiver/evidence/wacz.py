"""The WACZ 1.1.1 container: a zip in one canonical layout, `datapackage.json` hashing every file, and the
digest file that carries the signature.

Every member is stored uncompressed (replay tools read WARC records by offset) with fixed metadata, so a package
is a pure function of its members: the verifier rebuilds the zip from the members and compares the bytes, which is
how a flipped byte in zip headers (covered by no hash) is still found.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

WACZ_VERSION = "1.1.1"
DATAPACKAGE = "datapackage.json"
DIGEST_FILE = "datapackage-digest.json"
# Folders inside a package (WACZ names, not store keys: a package is no store).
ARCHIVE_DIR, INDEX_DIR, PAGES_DIR, ARTICLES_DIR, EVIDENCE_DIR = "archive", "indexes", "pages", "articles", "evidence"
INDEX = f"{INDEX_DIR}/index.cdxj"
PAGES = f"{PAGES_DIR}/pages.jsonl"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Member:
    """A file of the package: its name inside the zip and where its bytes are (a path, or bytes in memory)."""

    name: str
    data: bytes | None = None
    path: Path | None = None

    def open(self) -> IO[bytes]:
        if self.path is not None:
            return self.path.open("rb")
        import io

        return io.BytesIO(self.data or b"")

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path is not None else len(self.data or b"")


def zip_info(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    info.file_size = size
    return info


def write_zip(out: IO[bytes], members: Iterable[Member]) -> None:
    """The canonical zip of `members`, in the order given."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for member in members:
            info = zip_info(member.name, member.size)
            with member.open() as source, archive.open(info, "w", force_zip64=info.file_size > 0x7FFF0000) as sink:
                shutil.copyfileobj(source, sink, COPY_CHUNK)


def sha256_of(member: Member) -> str:
    digest = hashlib.sha256()
    with member.open() as handle:
        while chunk := handle.read(COPY_CHUNK):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def datapackage(members: list[Member], fields: dict[str, Any]) -> bytes:
    """`datapackage.json`: the package's description and every member's path, size and sha256."""
    # Data-package resource names must be lower case; the path keeps the file's own name.
    resources = [
        {"name": Path(m.name).name.lower(), "path": m.name, "hash": sha256_of(m), "bytes": m.size}
        for m in members
        if m.name not in (DATAPACKAGE, DIGEST_FILE)
    ]
    body = {"profile": "data-package", "wacz_version": WACZ_VERSION, **fields, "resources": resources}
    return json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def digest_file(datapackage_bytes: bytes, signed_data: dict[str, Any] | None) -> bytes:
    body: dict[str, Any] = {"path": DATAPACKAGE, "hash": "sha256:" + hashlib.sha256(datapackage_bytes).hexdigest()}
    if signed_data:
        body["signedData"] = signed_data
    return json.dumps(body, indent=2).encode("utf-8") + b"\n"
