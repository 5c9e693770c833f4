"""Just enough HTTP/1.x message handling to archive raw bytes: split head from body, undo chunking for digests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawMessage:
    """One HTTP message as it crossed the wire."""

    head: bytes  # start line and header lines, including the blank line that ends them
    body: bytes  # the message body as transferred (still chunked and content-encoded if it was)

    @property
    def start_line(self) -> str:
        return self.head.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")

    def headers(self) -> list[tuple[str, str]]:
        """Header fields in order, repeated names kept (two Set-Cookie stay two), obs-fold lines joined."""
        fields: list[tuple[str, str]] = []
        for line in self.head.split(b"\n")[1:]:
            line = line.rstrip(b"\r")
            if not line:
                break
            if line[:1] in (b" ", b"\t") and fields:
                name, value = fields[-1]
                fields[-1] = (name, value + " " + line.strip().decode("latin-1"))
            elif b":" in line:
                name_b, value_b = line.split(b":", 1)
                fields.append((name_b.decode("latin-1").strip(), value_b.strip().decode("latin-1")))
        return fields

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for n, v in self.headers() if n.lower() == wanted), None)

    @property
    def is_chunked(self) -> bool:
        value = self.header("Transfer-Encoding") or ""
        return "chunked" in value.lower()

    def entity(self) -> bytes:
        """The body with transfer coding removed (still content-encoded: gzip stays gzip)."""
        return dechunk(self.body) if self.is_chunked else self.body


def split_message(raw: bytes) -> RawMessage:
    """Split raw message bytes at the end of the header block (CRLFCRLF, or bare LFLF from sloppy servers)."""
    crlf = raw.find(b"\r\n\r\n")
    lf = raw.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf <= lf):
        end = crlf + 4
    elif lf >= 0:
        end = lf + 2
    else:
        return RawMessage(raw, b"")
    return RawMessage(raw[:end], raw[end:])


def skip_interim(raw: bytes) -> bytes:
    """Drop 1xx interim responses (100 Continue) that precede the final response on the wire."""
    while raw.startswith(b"HTTP/") and raw[9:10] == b"1":
        message = split_message(raw)
        if not message.body and message.head == raw:
            break
        raw = message.body
    return raw


def dechunk(body: bytes) -> bytes:
    """Decode chunked transfer coding; tolerant of a missing final chunk (returns what arrived)."""
    out = bytearray()
    pos = 0
    while pos < len(body):
        line_end = body.find(b"\n", pos)
        if line_end < 0:
            break
        size_field = body[pos:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_field, 16)
        except ValueError:
            break
        if size == 0:
            break
        start = line_end + 1
        out += body[start : start + size]
        pos = start + size
        if body[pos : pos + 2] == b"\r\n":
            pos += 2
        elif body[pos : pos + 1] == b"\n":
            pos += 1
    return bytes(out)
