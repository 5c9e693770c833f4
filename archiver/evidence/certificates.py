"""Certificate chains as packages carry them (PEM, leaf first), checked link by link without a system trust store."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from archiver.errors import ArchiverError


class SignatureInvalid(ArchiverError):
    """A signature or timestamp does not verify; the message says which part and why."""


def load_pem_chain(pem: bytes | str) -> list[x509.Certificate]:
    """Certificates of a PEM bundle, leaf first as written."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as error:
        raise SignatureInvalid(f"certificate chain is not valid PEM: {error}") from None


def chain_pem(certificates: Sequence[x509.Certificate]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certificates)


def check_chain_links(chain: Sequence[x509.Certificate], what: str) -> None:
    for child, issuer in zip(chain, chain[1:], strict=False):
        try:
            child.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise SignatureInvalid(f"{what} chain is broken at {child.subject.rfc4514_string()}") from None


def check_issued_within(certificates: Sequence[x509.Certificate]) -> None:
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
