"""Seal a release: `release-digest.json` holds the sha256 of `release.json` (which lists every file with its
sha256), the same shape as a WACZ package's `datapackage-digest.json`, so one flipped byte anywhere shows.

With the archive's key (`archiver keys init`) the digest is signed (`signedData`, after the WACZ signing
convention) and, with a time-stamping authority, the signature gets an RFC 3161 token: trusted time that the
release existed as sealed. Without a key but with an authority, the token is over the digest text itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver import SOFTWARE

RELEASE_NAME = "release.json"
DIGEST_NAME = "release-digest.json"


@dataclass(frozen=True)
class SealOptions:
    key_dir: Path | None = None  # None: the default key folder; signing is off when it holds no key
    tsa_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sealed:
    digest: str
    signed: bool
    timestamped: bool


def release_digest(folder: Path) -> str:
    return "sha256:" + hashlib.sha256((folder / RELEASE_NAME).read_bytes()).hexdigest()


def seal(folder: Path, options: SealOptions, created: str) -> Sealed:
    from archiver.evidence.keys import key_dir, load_key
    from archiver.evidence.signing import sign_digest, timestamp

    digest = release_digest(folder)
    document: dict[str, Any] = {"path": RELEASE_NAME, "hash": digest}
    key = load_key(key_dir(options.key_dir))
    signed: dict[str, Any] = {"hash": digest, "created": created, "software": SOFTWARE}
    if key is not None:
        signed["signature"] = sign_digest(digest, key.private_key)
        signed["certificate"] = key.certificate_pem
    if options.tsa_urls:
        stamped = base64.b64decode(signed["signature"]) if key is not None else digest.encode("utf-8")
        token, chain = timestamp(stamped, options.tsa_urls)
        signed["timeSignature"] = base64.b64encode(token).decode("ascii")
        signed["timestampCert"] = chain
    if len(signed) > 3:
        document["signedData"] = signed
    body = json.dumps(document, indent=1, sort_keys=True) + "\n"
    (folder / DIGEST_NAME).write_text(body, encoding="utf-8")
    return Sealed(digest, key is not None, bool(options.tsa_urls))
