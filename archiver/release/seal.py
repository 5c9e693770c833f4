"""Seal a release: `release-digest.json` holds the sha256 of `release.json` (which lists every file with its
sha256), the same shape as a WACZ package's `datapackage-digest.json`, so one flipped byte anywhere shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RELEASE_NAME = "release.json"
DIGEST_NAME = "release-digest.json"


@dataclass(frozen=True)
class SealOptions:
    sign: bool = True  # sign when the archive has a key (`archiver keys init`)
    tsa_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sealed:
    digest: str
    signed: bool
    timestamped: bool


def release_digest(folder: Path) -> str:
    return "sha256:" + hashlib.sha256((folder / RELEASE_NAME).read_bytes()).hexdigest()


def seal(folder: Path, options: SealOptions) -> Sealed:
    digest = release_digest(folder)
    document: dict[str, Any] = {"path": RELEASE_NAME, "hash": digest}
    body = json.dumps(document, indent=1, sort_keys=True) + "\n"
    (folder / DIGEST_NAME).write_text(body, encoding="utf-8")
    return Sealed(digest, False, False)
