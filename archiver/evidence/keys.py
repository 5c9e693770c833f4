"""The archive's signing key: ECDSA P-256 and a self-issued X.509 certificate, kept outside the store.

The key lives in a folder of the user's configuration (`$ARCHIVER_KEY_DIR`, else
`$XDG_CONFIG_HOME/libya-news-archiver/keys`, else `~/.config/...`), never inside a store or a package; packages
carry only the certificate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from archiver.errors import ConfigError

KEY_FILE = "archive-key.pem"
CERT_FILE = "archive-cert.pem"
CERT_YEARS = 10


@dataclass(frozen=True)
class ArchiveKey:
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    folder: Path

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def fingerprint(self) -> str:
        return "sha256:" + self.certificate.fingerprint(hashes.SHA256()).hex()

    @property
    def name(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.certificate.subject.rfc4514_string()


def key_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get("ARCHIVER_KEY_DIR"):
        return Path(os.environ["ARCHIVER_KEY_DIR"])
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "libya-news-archiver" / "keys"


def init_key(name: str, folder: Path, *, organisation: str | None = None) -> ArchiveKey:
    """Create the key and certificate; refuses to replace an existing key (signatures made with it would orphan)."""
    if (folder / KEY_FILE).exists():
        raise ConfigError(f"a signing key already exists in {folder}; remove it first to make a new one")
    if not name.strip():
        raise ConfigError("--name must not be empty")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    subject = x509.Name(attributes)
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * CERT_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False)
        .sign(private_key, hashes.SHA256())
    )
    key_bytes = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    partial = folder / (KEY_FILE + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key_bytes)
    (folder / CERT_FILE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    os.replace(partial, folder / KEY_FILE)
    return ArchiveKey(private_key, certificate, folder)


def load_key(folder: Path) -> ArchiveKey | None:
    """The archive's key, or None when none was made (signing is then off)."""
    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    if not key_path.exists():
        return None
    try:
        private_key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError, TypeError) as error:
        raise ConfigError(f"signing key in {folder} cannot be read ({error}); run `archiver keys init` again") from None
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise ConfigError(f"signing key in {folder} is not an elliptic-curve key; run `archiver keys init` again")
    return ArchiveKey(private_key, certificate, folder)
