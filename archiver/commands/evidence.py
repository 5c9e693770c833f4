"""`keys`, `package`, `verify-package` and `snapshot --format wacz`: evidence packages (library: archiver/evidence/)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archiver.commands.common import CATALOG_HELP, STORE_HELP, iso_date
from archiver.errors import ArchiverError, ConfigError

TSA_HELP = "time-stamping authority URL (repeatable: fallbacks tried in order; default $ARCHIVER_TSA_URLS)"


def _out(value: str) -> Path:
    out = Path(value)
    if out.suffix != ".wacz":
        raise ConfigError(f"--out {value}: name the package FILE.wacz")
    if not out.parent.is_dir():
        raise ConfigError(f"--out {value}: the folder {out.parent} does not exist")
    return out


def _written(out: Path, digest: dict[str, object]) -> None:
    signed = digest.get("signedData")
    state = "unsigned (run `archiver keys init` to sign packages)"
    if isinstance(signed, dict):
        state = "signed" + (" and timestamped" if "timeSignature" in signed else " (no --tsa: not timestamped)")
    print(f"{out}: {state}; datapackage {digest['hash']}")


def cmd_snapshot_wacz(args: argparse.Namespace) -> int:
    from archiver.catalog.catalog import Catalog
    from archiver.evidence.package import capture_selection, default_signer, write_package
    from archiver.retrieval.lookup import parse_at
    from archiver.store import open_existing_store

    if not args.out:
        raise ConfigError("--format wacz needs --out FILE.wacz")
    out = _out(args.out)
    at = parse_at(args.at) if args.at else None
    signer = default_signer(args.tsa or ())
    catalog = Catalog.open(open_existing_store(args.store), args.catalog)
    try:
        digest = write_package(catalog, capture_selection(catalog, args.url, at), out, signer)
    finally:
        catalog.close()
    _written(out, digest)
    return 0


def cmd_package(args: argparse.Namespace) -> int:
    from archiver.catalog.catalog import Catalog
    from archiver.evidence.package import default_signer, range_selection, write_package
    from archiver.store import open_existing_store

    out = _out(args.out)
    signer = default_signer(args.tsa or ())
    catalog = Catalog.open(open_existing_store(args.store), args.catalog)
    try:
        selection = range_selection(catalog, args.site or [], args.date_from, args.date_to, args.url_prefix)
        digest = write_package(catalog, selection, out, signer)
    finally:
        catalog.close()
    _written(out, digest)
    return 0


def cmd_verify_package(args: argparse.Namespace) -> int:
    from archiver.evidence.signing import SignatureInvalid, load_pem_chain
    from archiver.evidence.verify_package import verify_package

    trusted = []
    for name in args.trust or []:
        try:
            trusted += load_pem_chain(Path(name).read_bytes())
        except (OSError, SignatureInvalid) as error:
            raise ConfigError(f"--trust {name}: not a readable PEM certificate ({error})") from None
    path = Path(args.package)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    report = verify_package(path, trusted)
    if not report.ok:
        for failure in report.failures:
            print(f"FAILED {failure}")
        raise ArchiverError(f"{path}: {len(report.failures)} check(s) failed; do not rely on this package")
    for line in report.summary():
        print(line)
    print(f"archiver: {path} verified", file=sys.stderr)
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from archiver.evidence.keys import init_key, key_dir, load_key

    folder = key_dir(args.key_dir)
    if args.action == "init":
        key = init_key(args.name, folder, organisation=args.organisation)
        print(f"signing key created in {folder} (keep it there: it never goes into the store or a package)")
    else:
        found = load_key(folder)
        if found is None:
            raise ConfigError(f"no signing key in {folder}: run `archiver keys init --name NAME`")
        key = found
        if args.pem:  # only the certificate, to hand to verifiers (`--trust FILE`)
            print(key.certificate_pem, end="")
            return 0
    print(f"signer: {key.certificate.subject.rfc4514_string()}")
    print(f"certificate fingerprint: {key.fingerprint}")
    print(f"valid until: {key.certificate.not_valid_after_utc:%Y-%m-%d}")
    return 0


def add_evidence_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="the archive's signing key and certificate (kept outside the store)")
    keys.add_argument("action", choices=["init", "show"])
    keys.add_argument("--name", default="Libya News Archive", help="who signs (the certificate's common name)")
    keys.add_argument("--organisation", help="organisation named in the certificate")
    keys.add_argument("--key-dir", help="folder of the key (default $ARCHIVER_KEY_DIR, else ~/.config/...)")
    keys.add_argument("--pem", action="store_true", help="show: also print the certificate (to hand to verifiers)")
    keys.set_defaults(handler=cmd_keys)

    pkg = sub.add_parser("package", help="captures chosen by site, date and URL prefix as a signed WACZ package")
    pkg.add_argument("--store", help=STORE_HELP)
    pkg.add_argument("--catalog", help=CATALOG_HELP)
    pkg.add_argument("--site", action="append", help="site id (repeatable; default every site)")
    pkg.add_argument("--from", dest="date_from", type=iso_date, help="first capture day (YYYY-MM-DD, UTC)")
    pkg.add_argument("--to", dest="date_to", type=iso_date, help="last capture day (YYYY-MM-DD, UTC)")
    pkg.add_argument("--url-prefix", help="only URLs starting with this")
    pkg.add_argument("--tsa", action="append", help=TSA_HELP)
    pkg.add_argument("--out", required=True, help="the package file, FILE.wacz")
    pkg.set_defaults(handler=cmd_package)

    ver = sub.add_parser("verify-package", help="check an evidence package offline and say what it proves")
    ver.add_argument("package")
    ver.add_argument("--trust", action="append", help="a certificate you trust (PEM: the signer's or the TSA's root)")
    ver.set_defaults(handler=cmd_verify_package)
