"""What `verify-package` found, and the plain-language summary it gives someone who is not a programmer."""

from __future__ import annotations

from dataclasses import dataclass, field

from archiver.evidence.timestamps import TimestampInfo
from archiver.retrieval.localtime import libya_time


@dataclass
class Capture:
    url: str
    date: str
    ip: str | None
    record_id: str
    imported_from: str | None = None  # a capture another archive made, imported (its article JSON says from where)


@dataclass
class PackageReport:
    failures: list[str] = field(default_factory=list)
    signer: str | None = None
    signer_trusted: bool | None = None
    time: TimestampInfo | None = None
    tsa_trusted: bool | None = None
    captures: list[Capture] = field(default_factory=list)
    files: int = 0
    records: int = 0
    articles: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> list[str]:
        """Plain-language lines for someone who is not a programmer."""
        lines = []
        for capture in self.captures:
            server = f"from the server at {capture.ip}" if capture.ip else "(the server's address was not recorded)"
            by = f" by another archive, and imported from {capture.imported_from}" if capture.imported_from else ""
            lines.append(
                f"This page at {capture.url} was captured on {libya_time(capture.date)}, Libya time, {server}{by}."
            )
        if self.time:
            lines.append(
                f"Its content has not changed since {libya_time(self.time.time.isoformat())}, Libya time "
                f"({self.time.time:%Y-%m-%d %H:%M:%S} UTC), as attested by the time-stamping authority "
                f"{self.time.authority}" + ("." if self.tsa_trusted else " (not among the certificates you trust).")
            )
        else:
            lines.append("The package carries no trusted timestamp: nothing but its signature dates it.")
        if self.signer:
            trust = " (a certificate you trust)" if self.signer_trusted else " (check this certificate's fingerprint)"
            lines.append(f"It was signed by {self.signer}{trust}.")
        else:
            lines.append("The package is not signed: it proves it is intact, not who made it.")
        lines.append(
            f"Checked: {self.files} files against their hashes, {self.records} archived records against their "
            f"digests, {self.articles} article texts against the records they cite."
        )
        return lines
