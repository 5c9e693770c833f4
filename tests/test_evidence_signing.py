"""Signatures by the archive's key and RFC 3161 tokens from a local `openssl ts` authority, verified offline."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.evidence.keys import init_key, load_key
from archiver.evidence.signing import (
    SignatureInvalid,
    TimestampUnavailable,
    chains_to,
    load_pem_chain,
    sign_digest,
    timestamp,
    verify_signature,
    verify_timestamp,
)
from tests.tsa import LocalTSA

DIGEST = "sha256:" + "ab" * 32


@pytest.fixture(scope="module")
def tsa() -> Iterator[LocalTSA]:
    with LocalTSA() as authority:
        yield authority


def test_key_signs_and_the_signature_verifies_only_for_its_digest(tmp_path: Path) -> None:
    key = init_key("Libya News Archive test", tmp_path / "keys")
    assert (tmp_path / "keys" / "archive-key.pem").stat().st_mode & 0o077 == 0
    loaded = load_key(tmp_path / "keys")
    assert loaded is not None and loaded.fingerprint == key.fingerprint
    signature = sign_digest(DIGEST, loaded.private_key)
    assert verify_signature(DIGEST, signature, key.certificate_pem).subject == key.certificate.subject
    with pytest.raises(SignatureInvalid):
        verify_signature("sha256:" + "cd" * 32, signature, key.certificate_pem)
    other = init_key("someone else", tmp_path / "other")
    with pytest.raises(SignatureInvalid):
        verify_signature(DIGEST, signature, other.certificate_pem)
    assert load_key(tmp_path / "nothing") is None


def test_timestamp_from_local_tsa_verifies_offline_and_with_openssl(tsa: LocalTSA, tmp_path: Path) -> None:
    data = b"signature bytes"
    token, chain = timestamp(data, ["http://127.0.0.1:9/unreachable", tsa.url])
    info = verify_timestamp(token, data, chain)
    assert "Test Time-Stamping Authority" in info.authority
    assert chains_to(load_pem_chain(chain), load_pem_chain(tsa.ca_path.read_bytes()))
    # openssl agrees the token is a valid answer for this data, under the throw-away root.
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "token.der").write_bytes(token)
    done = subprocess.run(
        [
            "openssl",
            "ts",
            "-verify",
            "-data",
            tmp_path / "data",
            "-in",
            tmp_path / "token.der",
            "-token_in",
            "-CAfile",
            tsa.ca_path,
            "-untrusted",
            tsa.dir / "tsa.pem",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    with pytest.raises(SignatureInvalid, match="other data"):
        verify_timestamp(token, b"other bytes", chain)


def test_flipped_byte_in_token_fails(tsa: LocalTSA) -> None:
    data = b"x"
    token, chain = timestamp(data, [tsa.url])
    failures = 0
    for position in range(0, len(token), 3):
        damaged = bytearray(token)
        damaged[position] ^= 0x01
        try:
            verify_timestamp(bytes(damaged), data, chain)
        except SignatureInvalid:
            failures += 1
    assert failures == len(range(0, len(token), 3))
    assert base64.b64encode(token)


def test_no_tsa_answers() -> None:
    with pytest.raises(TimestampUnavailable, match="127.0.0.1:9"):
        timestamp(b"x", ["http://127.0.0.1:9/"], timeout=2)
