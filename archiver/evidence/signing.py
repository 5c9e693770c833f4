"""Signatures by the archive's key and RFC 3161 trusted time, as the WACZ signing recommendation uses them.

The signature is ECDSA P-256 with SHA-256 over the UTF-8 bytes of a digest string (`sha256:<hex>`), as the raw
32-byte r and s values (the WebCrypto form ReplayWeb.page verifies in the browser), base64'd. The timestamp is an
RFC 3161 TimeStampToken (a CMS SignedData, DER, base64'd) over the raw signature bytes, so it attests that the
signature (and therefore the digest) existed at the authority's time. Verification uses only the bytes handed in:
no network, no system trust store.
"""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from archiver.evidence.certificates import (
    SignatureInvalid,
    chain_pem,
    chains_to,
    check_chain_links,
    load_pem_chain,
)
from archiver.evidence.timestamps import TimestampInfo, TimestampUnavailable, timestamp, verify_timestamp

__all__ = [
    "SignatureInvalid",
    "TimestampInfo",
    "TimestampUnavailable",
    "chain_pem",
    "chains_to",
    "load_pem_chain",
    "sign_digest",
    "timestamp",
    "verify_signature",
    "verify_timestamp",
]


def sign_digest(digest: str, private_key: ec.EllipticCurvePrivateKey) -> str:
    """Base64 raw (r || s) ECDSA-SHA256 signature over the digest string (e.g. `sha256:ab12...`)."""
    der = private_key.sign(digest.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    size = (private_key.curve.key_size + 7) // 8
    return base64.b64encode(r.to_bytes(size, "big") + s.to_bytes(size, "big")).decode("ascii")


def verify_signature(digest: str, signature_b64: str, certificate_pem: bytes | str) -> x509.Certificate:
    """Check the signature over `digest` with the first certificate of the chain; returns that certificate.

    Raises SignatureInvalid when the signature, the encoding or the key type is wrong.
    """
    chain = load_pem_chain(certificate_pem)
    if not chain:
        raise SignatureInvalid("no signing certificate")
    leaf = chain[0]
    public_key = leaf.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise SignatureInvalid("signing certificate does not hold an elliptic-curve key")
    size = (public_key.curve.key_size + 7) // 8
    try:
        raw = base64.b64decode(signature_b64, validate=True)
        if len(raw) != 2 * size:
            raise ValueError("not a raw r || s signature")
        der = encode_dss_signature(int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big"))
        public_key.verify(der, digest.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except (ValueError, InvalidSignature):
        raise SignatureInvalid("signature does not match the datapackage digest and the signing certificate") from None
    check_chain_links(chain, "signing certificate")
    return leaf
