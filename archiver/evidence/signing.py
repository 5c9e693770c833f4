"""Signatures by the archive's key and RFC 3161 trusted time, as the WACZ signing recommendation uses them.

The signature is ECDSA P-256 with SHA-256 over the UTF-8 bytes of a digest string (`sha256:<hex>`), DER encoded and
base64'd. The timestamp is an RFC 3161 TimeStampToken (a CMS SignedData, DER, base64'd) over the raw signature
bytes, so it attests that the signature (and therefore the digest) existed at the authority's time. Verification
uses only the bytes handed in: no network, no system trust store.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from archiver.errors import ArchiverError

TSA_TIMEOUT = 20.0
# A TSA answer is a few kilobytes; a server sending more is not a TSA.
MAX_TSA_REPLY = 1 << 20
KNOWN_SIGNATURE_ALGORITHMS = {
    "rsassa_pkcs1v15",
    "sha256_rsa",
    "sha384_rsa",
    "sha512_rsa",
    "sha256_ecdsa",
    "sha384_ecdsa",
    "sha512_ecdsa",
    "ecdsa",
}


class SignatureInvalid(ArchiverError):
    """A signature or timestamp does not verify; the message says which part and why."""


class TimestampUnavailable(ArchiverError):
    """No time-stamping authority answered with a usable token."""


@dataclass(frozen=True)
class TimestampInfo:
    """What a verified timestamp token attests: the time and who said so."""

    time: datetime
    authority: str  # the TSA certificate's subject, as text
    serial: int


def sign_digest(digest: str, private_key: ec.EllipticCurvePrivateKey) -> str:
    """Base64 DER ECDSA-SHA256 signature over the digest string (e.g. `sha256:ab12...`)."""
    signature = private_key.sign(digest.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode("ascii")


def load_pem_chain(pem: bytes | str) -> list[x509.Certificate]:
    """Certificates of a PEM bundle, leaf first as written."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as error:
        raise SignatureInvalid(f"certificate chain is not valid PEM: {error}") from None


def chain_pem(certificates: Sequence[x509.Certificate]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certificates)


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
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, digest.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except (ValueError, InvalidSignature):
        raise SignatureInvalid("signature does not match the datapackage digest and the signing certificate") from None
    _check_chain_links(chain, "signing certificate")
    return leaf


def _check_chain_links(chain: Sequence[x509.Certificate], what: str) -> None:
    for child, issuer in zip(chain, chain[1:], strict=False):
        try:
            child.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise SignatureInvalid(f"{what} chain is broken at {child.subject.rfc4514_string()}") from None


def _check_issued_within(certificates: Sequence[x509.Certificate]) -> None:
    for certificate in certificates:
        for issuer in certificates:
            if issuer.subject != certificate.issuer:
                continue
            try:
                certificate.verify_directly_issued_by(issuer)
                break
            except (ValueError, TypeError, InvalidSignature):
                continue
        else:
            if any(issuer.subject == certificate.issuer for issuer in certificates):
                raise SignatureInvalid(f"certificate {certificate.subject.rfc4514_string()} is damaged")


def chains_to(chain: Sequence[x509.Certificate], trusted: Sequence[x509.Certificate]) -> bool:
    """Whether a certificate of the chain is one of the trusted ones or is directly issued by one."""
    trusted_der = {t.public_bytes(serialization.Encoding.DER) for t in trusted}
    for certificate in chain:
        if certificate.public_bytes(serialization.Encoding.DER) in trusted_der:
            return True
        for anchor in trusted:
            try:
                certificate.verify_directly_issued_by(anchor)
                return True
            except (ValueError, TypeError, InvalidSignature):
                continue
    return False


def timestamp(data: bytes, tsa_urls: Sequence[str], timeout: float = TSA_TIMEOUT) -> tuple[bytes, str]:
    """An RFC 3161 token over sha256(data) from the first authority that answers; returns (token DER, chain PEM).

    Each URL is tried in order (the list is the configured fallbacks). The token is checked against the request
    (imprint and nonce) before it is returned.
    """
    if not tsa_urls:
        raise TimestampUnavailable("no time-stamping authority configured: pass --tsa URL")
    imprint = hashlib.sha256(data).digest()
    nonce = secrets.randbits(63)
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": imprint},
            "nonce": nonce,
            "cert_req": True,
        }
    ).dump()
    failures: list[str] = []
    for url in tsa_urls:
        try:
            token = _ask_tsa(url, request, timeout)
            info = _tst_info(token)
            if info["message_imprint"]["hashed_message"].native != imprint:
                raise SignatureInvalid("the token covers other data")
            if info["nonce"].native != nonce:
                raise SignatureInvalid("the token answers another request (nonce)")
            return token, chain_pem(_token_certificates(token))
        except (OSError, ValueError, SignatureInvalid, TimestampUnavailable) as error:
            failures.append(f"{url}: {error}")
    raise TimestampUnavailable("no time-stamping authority gave a token (" + "; ".join(failures) + ")")


def _ask_tsa(url: str, request: bytes, timeout: float) -> bytes:
    http_request = urllib.request.Request(
        url, data=request, method="POST", headers={"Content-Type": "application/timestamp-query"}
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as answer:  # noqa: S310 (configured TSA URL)
            body: bytes = answer.read(MAX_TSA_REPLY + 1)
    except urllib.error.HTTPError as error:
        raise TimestampUnavailable(f"HTTP {error.code}") from None
    if len(body) > MAX_TSA_REPLY:
        raise TimestampUnavailable("answer too large")
    response = tsp.TimeStampResp.load(body)
    status = response["status"]["status"].native
    if status not in ("granted", "granted_with_mods"):
        raise TimestampUnavailable(f"refused ({status})")
    token: bytes = response["time_stamp_token"].dump()
    return token


def _content(token: bytes) -> cms.SignedData:
    try:
        info = cms.ContentInfo.load(token)
        if info["content_type"].native != "signed_data":
            raise SignatureInvalid("timestamp token is not CMS signed data")
        return info["content"]
    except (ValueError, TypeError, KeyError) as error:
        raise SignatureInvalid(f"timestamp token cannot be read: {error}") from None


def _tst_info(token: bytes) -> tsp.TSTInfo:
    signed = _content(token)
    try:
        encap = signed["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise SignatureInvalid("timestamp token does not hold TSTInfo")
        return encap["content"].parsed
    except (ValueError, TypeError, KeyError) as error:
        raise SignatureInvalid(f"timestamp token cannot be read: {error}") from None


def _token_certificates(token: bytes) -> list[x509.Certificate]:
    signed = _content(token)
    found: list[x509.Certificate] = []
    for choice in signed["certificates"] or []:
        if choice.name == "certificate":
            certificate = x509.load_der_x509_certificate(choice.chosen.dump())
            if certificate not in found:  # authorities may send their own certificate twice (signer and chain)
                found.append(certificate)
    return found


def verify_timestamp(token: bytes, data: bytes, tsa_chain_pem: bytes | str) -> TimestampInfo:
    """Check an RFC 3161 token over sha256(data) offline; returns the attested time and authority.

    Checks: the token's imprint is the hash of `data`; the signed attributes carry the digest of the TSTInfo; the
    TSA's signature over them verifies with a certificate (from the chain given or inside the token) that is
    valid for time-stamping at the attested time; the chain's links verify.
    """
    try:
        return _verify_timestamp(token, data, tsa_chain_pem)
    except SignatureInvalid:
        raise
    except Exception as error:  # noqa: BLE001
        # asn1crypto parses lazily and cryptography rejects odd keys in many ways: a damaged token can fail
        # anywhere inside, and every such failure means the same thing to the reader.
        raise SignatureInvalid(f"timestamp token cannot be read: {error}") from None


def _verify_timestamp(token: bytes, data: bytes, tsa_chain_pem: bytes | str) -> TimestampInfo:
    signed = _content(token)
    info = _tst_info(token)
    try:
        algorithm = info["message_imprint"]["hash_algorithm"]["algorithm"].native
        if algorithm != "sha256":
            raise SignatureInvalid(f"timestamp uses {algorithm}, expected sha256")
        if info["message_imprint"]["hashed_message"].native != hashlib.sha256(data).digest():
            raise SignatureInvalid("timestamp token covers other data than this signature")
        gen_time: datetime = info["gen_time"].native
        signer_infos = signed["signer_infos"]
        if len(signer_infos) != 1:
            raise SignatureInvalid("timestamp token must have exactly one signer")
        signer = signer_infos[0]
        digest_name = signer["digest_algorithm"]["algorithm"].native
        hash_algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}.get(
            digest_name
        )
        if hash_algorithm is None:
            raise SignatureInvalid(f"timestamp signed with unsupported digest {digest_name}")
        encap_bytes = signed["encap_content_info"]["content"].contents
        attributes = signer["signed_attrs"]
        message_digest = next((a["values"][0].native for a in attributes if a["type"].native == "message_digest"), None)
        digest_of_content = hashlib.new(digest_name, encap_bytes).digest()
        if message_digest != digest_of_content:
            raise SignatureInvalid("timestamp token's signed attributes do not match its content")
        # The signature covers the attributes encoded as a SET, not as the [0] IMPLICIT field they sit in.
        attributes_der = b"\x31" + attributes.dump()[1:]
        signature = signer["signature"].native
        signature_algorithm = signer["signature_algorithm"]["algorithm"].native
        if signature_algorithm not in KNOWN_SIGNATURE_ALGORITHMS:
            raise SignatureInvalid(f"timestamp signed with unknown algorithm {signature_algorithm}")
        if "_" in signature_algorithm and not signature_algorithm.startswith(digest_name + "_"):
            raise SignatureInvalid("timestamp token's signature algorithm does not match its digest algorithm")
        sid = signer["sid"]
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise SignatureInvalid(f"timestamp token cannot be read: {error}") from None

    _check_strict_fields(signed)
    if signed["version"].native != "v3":
        raise SignatureInvalid("timestamp token is not CMS version 3")
    if digest_name not in {a["algorithm"].native for a in signed["digest_algorithms"]}:
        raise SignatureInvalid("timestamp token's digest algorithms do not list its signer's")
    candidates = load_pem_chain(tsa_chain_pem) if tsa_chain_pem else []
    embedded = _token_certificates(token)
    if candidates and not embedded:
        raise SignatureInvalid("timestamp token carries no certificate although one was requested")
    # Certificates ride outside the signed part of the token: each must prove itself by its issuer's signature,
    # and those the token carries must be the ones of the chain handed in.
    _check_issued_within(embedded + candidates)
    if candidates and any(certificate not in candidates for certificate in embedded):
        raise SignatureInvalid("timestamp token carries certificates other than the timestamp authority's chain")
    if candidates and candidates[-1].subject == candidates[-1].issuer:
        _check_chain_links([candidates[-1], candidates[-1]], "timestamp authority")
    candidates += embedded
    tsa_cert = _signer_certificate(sid, candidates)
    _verify_with(tsa_cert, signature, attributes_der, hash_algorithm)
    try:
        usages = tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        raise SignatureInvalid("timestamp authority certificate is not for time-stamping") from None
    if ExtendedKeyUsageOID.TIME_STAMPING not in usages:
        raise SignatureInvalid("timestamp authority certificate is not for time-stamping")
    when = gen_time.astimezone(UTC)
    if not (tsa_cert.not_valid_before_utc <= when <= tsa_cert.not_valid_after_utc):
        raise SignatureInvalid("timestamp authority certificate was not valid at the attested time")
    if tsa_chain_pem:
        _check_chain_links(load_pem_chain(tsa_chain_pem), "timestamp authority")
    return TimestampInfo(
        time=when, authority=tsa_cert.subject.rfc4514_string(), serial=int(info["serial_number"].native)
    )


def _check_strict_fields(signed: cms.SignedData) -> None:
    """Fields outside the signed attributes that a tamperer could flip without breaking the signature."""
    algorithms = list(signed["digest_algorithms"])
    signer = signed["signer_infos"][0]
    algorithms += [signer["digest_algorithm"], signer["signature_algorithm"]]
    for algorithm in algorithms:
        if algorithm["parameters"].dump() not in (b"", b"\x05\x00"):
            raise SignatureInvalid("timestamp token has unexpected algorithm parameters")
    if signed["crls"].dump():
        raise SignatureInvalid("timestamp token carries revocation lists where certificates were expected")
    expected_version = "v1" if signer["sid"].name == "issuer_and_serial_number" else "v3"
    if signer["version"].native != expected_version:
        raise SignatureInvalid("timestamp token's signer version does not match its identifier")


def _signer_certificate(sid: cms.SignerIdentifier, candidates: Sequence[x509.Certificate]) -> x509.Certificate:
    for certificate in candidates:
        if sid.name == "issuer_and_serial_number":
            issuer_der = sid.chosen["issuer"].dump()
            if (
                certificate.serial_number == sid.chosen["serial_number"].native
                and certificate.issuer.public_bytes() == issuer_der
            ):
                return certificate
        else:
            try:
                key_id = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if key_id == sid.chosen.native:
                return certificate
    raise SignatureInvalid("timestamp authority certificate not found for the token's signer")


def _verify_with(
    certificate: x509.Certificate, signature: bytes, data: bytes, hash_algorithm: hashes.HashAlgorithm
) -> None:
    key = certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            raise SignatureInvalid("timestamp authority key type is not supported")
    except InvalidSignature:
        raise SignatureInvalid("timestamp token's signature does not verify") from None


def now_utc() -> datetime:
    return datetime.now(UTC)
