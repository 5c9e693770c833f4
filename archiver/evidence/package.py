"""Evidence packages: the records of chosen captures, copied byte for byte from the store into a WACZ file, with the
article JSON versions, the crawl manifest entries and custody lines that cover them, signed and timestamped.

Layout: `archive/{store WARC name}` (a warcinfo record, then the selected records of that store file, each gzip
member exactly as stored), `indexes/index.cdxj`, `pages/pages.jsonl`, `articles/*.json` (bytes as
stored), `evidence/sources.json` (where each record and article sits in the store), `evidence/manifests.json`,
`evidence/custody.jsonl`, `datapackage.json`, `datapackage-digest.json`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from archiver import SOFTWARE
from archiver.catalog.catalog import CaptureRow, Catalog
from archiver.catalog.cdxj import index_warc
from archiver.custody.log import Item
from archiver.custody.record import bytes_item, record_package
from archiver.errors import NotFoundError
from archiver.evidence import wacz
from archiver.evidence.keys import ArchiveKey
from archiver.evidence.signing import sign_digest, timestamp
from archiver.store import layout
from archiver.store.layout import crawl_id_of_warc
from archiver.warc import records
from archiver.warc.integrity import checked_record
from archiver.warc.writer import gzip_member

SOURCES = "evidence/sources.json"
MANIFESTS = "evidence/manifests.json"
CUSTODY = "evidence/custody.jsonl"
ARTICLES = f"{wacz.ARTICLES_DIR}/"
SIGNATURE_VERSION = "0.1.0"


@dataclass
class Selection:
    """Captures to package, in order, with what the package needs to know about them."""

    rows: list[CaptureRow] = field(default_factory=list)
    title: str = "Libya News Archive evidence package"
    main_url: str | None = None
    main_date: str | None = None


@dataclass(frozen=True)
class Signer:
    """Who signs (None: the package is not signed) and which authorities to ask for the time (in order)."""

    key: ArchiveKey | None = None
    tsa_urls: Sequence[str] = ()


def capture_selection(catalog: Catalog, url: str, at: str | None) -> Selection:
    from archiver.retrieval.lookup import find_url, payload_capture, snapshot

    match = find_url(catalog, url)
    shot = snapshot(catalog, match.url, at)
    source = payload_capture(catalog, shot)
    rows = [source, shot] if source.record_id != shot.record_id else [shot]
    return Selection(rows, f"Capture of {shot.url} at {shot.captured_at}", shot.url, shot.captured_at)


def range_selection(
    catalog: Catalog, sites: Sequence[str], date_from: date | None, date_to: date | None, url_prefix: str | None
) -> Selection:
    from archiver.retrieval.lookup import payload_capture

    catalog.sync()
    chosen: dict[str, CaptureRow] = {}
    for row in catalog.all_rows(sites):
        day = row.captured_at[:10]
        if date_from and day < date_from.isoformat() or date_to and day > date_to.isoformat():
            continue
        if url_prefix and not row.url.startswith(url_prefix):
            continue
        source = payload_capture(catalog, row)
        chosen.setdefault(source.record_id, source)
        chosen.setdefault(row.record_id, row)
    if not chosen:
        raise NotFoundError(f"no capture in {catalog.store.uri} matches the selection (check --site, --from, --to)")
    rows = sorted(chosen.values(), key=lambda r: (r.captured_at, r.record_id))
    return Selection(rows, f"{len(rows)} captures from the Libya News Archive")


def _record_places(row: CaptureRow) -> list[tuple[int, int]]:
    places = [(row.record_offset, row.record_length)]
    extra = row.extra
    if "request" in extra:
        places.append((int(extra["request"][0]), int(extra["request"][1])))
    places += [(int(where[0]), int(where[1])) for where in extra.get("metadata", [])]
    return places


def _article_name(key: str) -> str:
    # Lower case and one folder deep: what WACZ validators accept for files beyond the standard ones.
    return ARTICLES + key.removeprefix(layout.ARTICLES_PREFIX).replace("/", "-").lower()


def write_package(catalog: Catalog, selection: Selection, out: Path, signer: Signer) -> dict[str, Any]:
    """Write the package to `out` (through a temporary name beside it); returns its datapackage digest entry."""
    store = catalog.store
    with tempfile.TemporaryDirectory(prefix="package-", dir=out.parent) as work_dir:
        work = Path(work_dir)
        members: list[wacz.Member] = []
        sources: dict[str, Any] = {"warc": {}, "articles": {}}
        cdxj: list[bytes] = []
        by_file: dict[str, list[tuple[int, int]]] = {}
        inputs: list[Item] = []  # every record and article copied, by sha256: the custody line's inputs
        for row in selection.rows:
            places = by_file.setdefault(row.warc_file, [])
            places += [p for p in _record_places(row) if p not in places]
        for warc_file, places in by_file.items():
            name = "archive/" + warc_file.rsplit("/", 1)[-1]
            path = work / f"{len(members)}.warc.gz"
            info = records.warcinfo_record(
                name.removeprefix("archive/"),
                [
                    ("software", SOFTWARE),
                    ("format", "WARC File Format 1.1"),
                    ("description", "records copied byte for byte from the archive's store"),
                    ("source-file", warc_file),
                ],
                records.utcnow(),
            )
            copied = []
            with path.open("wb") as handle:
                handle.write(gzip_member(info))
                for offset, length in sorted(places):
                    member = checked_record(store.read_range(warc_file, offset, length), warc_file, offset)
                    copied.append({"offset": handle.tell(), "length": length, "store_offset": offset})
                    inputs.append(bytes_item(f"{warc_file}#{offset}", member))
                    handle.write(member)
            with path.open("rb") as handle:
                cdxj += [_package_line(line, name) for line in index_warc(handle, name.removeprefix("archive/"))]
            sources["warc"][name] = {"store_key": warc_file, "records": copied}
            members.append(wacz.Member(name, path=path))
        articles = _articles(catalog, selection.rows)
        for key in articles:
            data = _read(store, key)
            inputs.append(bytes_item(key, data))
            members.append(wacz.Member(_article_name(key), data=data))
            sources["articles"][_article_name(key)] = key
        members.append(wacz.Member(wacz.INDEX, data=b"".join(sorted(cdxj))))
        members.append(wacz.Member(wacz.PAGES, data=_pages(selection.rows)))
        members.append(wacz.Member(SOURCES, data=_json(sources)))
        covered = set(by_file) | set(articles)
        members.append(wacz.Member(MANIFESTS, data=_json(_manifest_entries(catalog, covered))))
        custody = _custody_lines(catalog, covered)
        if custody:  # an empty file is no data package resource (validators refuse it)
            members.append(wacz.Member(CUSTODY, data=custody))
        # The signature's `created` repeats the package's: WACZ validators compare the two.
        created = f"{records.utcnow():%Y-%m-%dT%H:%M:%SZ}"
        fields: dict[str, Any] = {
            "title": selection.title,
            "created": created,
            "software": SOFTWARE,
        }
        if selection.main_url:
            fields["mainPageUrl"] = selection.main_url
            fields["mainPageDate"] = selection.main_date
        package_bytes = wacz.datapackage(members, fields)
        digest = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
        digest_bytes = wacz.digest_file(package_bytes, _signed_data(digest, created, signer))
        members.append(wacz.Member(wacz.DATAPACKAGE, data=package_bytes))
        members.append(wacz.Member(wacz.DIGEST_FILE, data=digest_bytes))
        partial = work / "package.wacz"
        with partial.open("wb") as handle:
            wacz.write_zip(handle, members)
        os.replace(partial, out)
    record_package(store, inputs, out)  # the custody log names what went in and the package that came out
    parsed: dict[str, Any] = json.loads(digest_bytes)
    return parsed


def _package_line(line: bytes, name: str) -> bytes:
    """A CDXJ line of the package: the WARC is named as in the zip (replay tools look it up under archive/)."""
    key, stamp, rest = line.split(b" ", 2)
    fields = json.loads(rest)
    fields["filename"] = name.removeprefix("archive/")
    for local in ("article", "content_hash", "version", "request", "metadata", "etag", "last_modified"):
        fields.pop(local, None)  # store places and catalog details; the package's own are in evidence/
    return key + b" " + stamp + b" " + json.dumps(fields, ensure_ascii=False).encode("utf-8") + b"\n"


def _articles(catalog: Catalog, rows: Iterable[CaptureRow]) -> list[str]:
    keys: list[str] = []
    for row in rows:
        if row.article_key and row.article_key not in keys:
            keys.append(row.article_key)
    return keys


def _pages(rows: Iterable[CaptureRow]) -> bytes:
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}]
    for row in rows:
        if row.status == 200 and (row.mime or "").startswith("text/html") or row.record_type == "revisit":
            page: dict[str, Any] = {"id": row.record_id.strip("<>").removeprefix("urn:uuid:"), "url": row.url}
            page["ts"] = row.captured_at
            if row.title:
                page["title"] = row.title
            lines.append(page)
    return b"".join(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n" for line in lines)


def _manifest_entries(catalog: Catalog, covered: set[str]) -> list[dict[str, Any]]:
    from archiver.store.layout import manifest_key

    found = []
    crawl_ids = sorted({crawl_id_of_warc(key) for key in covered if layout.is_warc_key(key)})
    for crawl_id in crawl_ids:
        key = manifest_key(crawl_id)
        if not catalog.store.exists(key):
            continue
        data = _read(catalog.store, key)
        manifest = json.loads(data)
        entries = [entry for entry in manifest.get("objects", []) if entry.get("key") in covered]
        found.append({"manifest": key, "sha256": "sha256:" + hashlib.sha256(data).hexdigest(), "entries": entries})
    return found


def _custody_lines(catalog: Catalog, covered: set[str]) -> bytes:
    """Lines of the store's custody log that name any of the covered objects (none when the store keeps no log)."""
    kept: list[bytes] = []
    for info in sorted(catalog.store.list("custody/"), key=lambda i: i.key):
        for line in io.BytesIO(_read(catalog.store, info.key)):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            names = {item.get("name") for part in ("inputs", "outputs") for item in entry.get(part, [])}
            if names & covered:
                kept.append(line if line.endswith(b"\n") else line + b"\n")
    return b"".join(kept)


def _signed_data(digest: str, created: str, signer: Signer) -> dict[str, Any] | None:
    if signer.key is None:
        return None
    signature = sign_digest(digest, signer.key.private_key)
    signed: dict[str, Any] = {
        "hash": digest,
        "created": created,
        "software": SOFTWARE,
        "version": SIGNATURE_VERSION,
        "signature": signature,
        # No `publicKey`: that field marks anonymous signing (P-384) to ReplayWeb.page; ours is certificate-based.
        "domain": signer.key.name,
        "domainCert": signer.key.certificate_pem,
    }
    if signer.tsa_urls:
        token, chain = timestamp(base64.b64decode(signature), signer.tsa_urls)
        signed["timeSignature"] = base64.b64encode(token).decode("ascii")
        signed["timestampCert"] = chain
    return signed


def _read(store: Any, key: str) -> bytes:
    with store.open(key) as handle:
        data: bytes = handle.read()
    return data


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"


def build_capture_package(
    store: Any, url: str, at: str | None, *, catalog_url: str | None = None, signer: Signer | None = None
) -> bytes:
    """One capture of `url` at or before `at` as a WACZ package (bytes), for the web app's download."""
    catalog = Catalog.open(store, catalog_url)
    try:
        with tempfile.TemporaryDirectory(prefix="capture-package-") as folder:
            out = Path(folder) / "capture.wacz"
            write_package(catalog, capture_selection(catalog, url, at), out, signer or default_signer())
            return out.read_bytes()
    finally:
        catalog.close()


def default_signer(tsa_urls: Sequence[str] = ()) -> Signer:
    """The archive's key when one was made (signing is off otherwise); TSAs from the arguments, else from
    `$ARCHIVER_TSA_URLS` (space-separated, tried in order)."""
    from archiver.evidence.keys import key_dir, load_key

    urls = list(tsa_urls) or os.environ.get("ARCHIVER_TSA_URLS", "").split()
    return Signer(load_key(key_dir()), urls)
