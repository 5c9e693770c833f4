"""The server evidence of one capture, read back from its records, in the words a package summary uses."""

from __future__ import annotations

from dataclasses import dataclass, field

from archiver.provenance.connection import NO_LOOKUP, chain_pem


@dataclass(frozen=True)
class ServerEvidence:
    ip: str | None
    tls_protocol: str | None = None
    tls_cipher: str | None = None
    certificate_subject: str | None = None
    certificate_sha256: str | None = None
    chain: list[str] = field(default_factory=list)  # PEM, leaf first
    dns_query: str | None = None
    dns_answer: str | None = None

    def sentences(self) -> list[str]:
        """Plain-language lines for a non-programmer."""
        lines = [f"The server's address was {self.ip}." if self.ip else "The server's address was not recorded."]
        if self.tls_protocol:
            who = f" for {self.certificate_subject}" if self.certificate_subject else ""
            lines.append(
                f"The connection was encrypted ({self.tls_protocol}, {self.tls_cipher}); the server presented "
                f"{len(self.chain)} certificate(s), the first issued{who}."
            )
        if self.dns_query:
            lines.append(f"The name {self.dns_query} was looked up and answered {self.dns_answer}.")
        return lines


def server_evidence(ip: str | None, metadata: dict[str, str]) -> ServerEvidence:
    """From the response's WARC-IP-Address and the fields of the capture's metadata record."""
    return ServerEvidence(
        ip=ip,
        tls_protocol=metadata.get("tls-protocol"),
        tls_cipher=metadata.get("tls-cipher"),
        certificate_subject=metadata.get("tls-certificate-subject"),
        certificate_sha256=metadata.get("tls-certificate-sha256"),
        chain=chain_pem(metadata),
        dns_query=metadata.get("dns-query"),
        dns_answer=metadata.get("dns-answer") if metadata.get("dns-lookup") != NO_LOOKUP else None,
    )
