"""A local RFC 3161 time-stamping authority: `openssl ts -reply` behind a tiny HTTP server, with a throw-away CA."""

from __future__ import annotations

import datetime
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.loopback import LoopbackServer

CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa-chain.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class LocalTSA(LoopbackServer):
    """`with LocalTSA() as tsa:` gives `tsa.url`, `tsa.ca_path` (the root a verifier trusts) and `tsa.requests`."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="tsa-")
        self.dir = Path(self._tmp.name)
        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = (
            x509.CertificateBuilder()
            .subject_name(_name("Throw-away Test Root"))
            .issuer_name(_name("Throw-away Test Root"))
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name("Test Time-Stamping Authority"))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_path = self.dir / "ca.pem"
        self.ca_path.write_bytes(_pem(ca))
        (self.dir / "tsa.pem").write_bytes(_pem(cert))
        (self.dir / "tsa-chain.pem").write_bytes(_pem(cert) + _pem(ca))
        (self.dir / "tsa.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (self.dir / "serial").write_text("01\n")
        self.config = self.dir / "tsa.cnf"
        self.config.write_text(CONFIG.format(dir=self.dir))
        self.requests = 0
        self._lock = threading.Lock()
        super().__init__(self._handler())
        self.url = f"{self.origin}/tsr"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with tsa._lock:
                    tsa.requests += 1
                    query_path, reply_path = tsa.dir / "q.tsq", tsa.dir / "r.tsr"
                    query_path.write_bytes(query)
                    done = subprocess.run(
                        [
                            "openssl",
                            "ts",
                            "-reply",
                            "-queryfile",
                            query_path,
                            "-config",
                            tsa.config,
                            "-out",
                            reply_path,
                        ],
                        capture_output=True,
                    )
                    reply = reply_path.read_bytes() if done.returncode == 0 else b""
                if not reply:
                    self.send_error(500, done.stderr.decode(errors="replace")[:200])
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        super().__exit__(kind, error, trace)
        self._tmp.cleanup()
