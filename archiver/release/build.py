"""`archiver release`: an export folder plus CITATION.cff, datacite.json, the custody lines of its captures and
release.json (every file with its sha256), sealed by release-digest.json. Built beside DIR, renamed into place."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver import SOFTWARE
from archiver.custody.log import lines_concerning
from archiver.custody.record import file_item, try_append
from archiver.datasets.card import CardInfo
from archiver.datasets.export import export
from archiver.datasets.selection import ExportFilter
from archiver.errors import ConfigError
from archiver.filemode import current_umask
from archiver.release.citation import ReleaseFacts, citation_cff, datacite
from archiver.release.rows import data_files, release_rows
from archiver.release.seal import DIGEST_NAME, RELEASE_NAME, SealOptions, seal
from archiver.sites import profiles
from archiver.store import Store
from archiver.store.base import sha256_file

CUSTODY_NAME = "custody.jsonl"


@dataclass(frozen=True)
class ReleaseResult:
    path: Path
    rows: int
    files: int
    signed: bool
    timestamped: bool


def _facts(work: Path, name: str, version: str, created: str, info: CardInfo) -> tuple[ReleaseFacts, set[str]]:
    meta = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
    fmt = str(meta["format"])
    per_site: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    warcs: set[str] = set()
    days: list[str] = []
    known = profiles()
    for entry in data_files(meta):
        for row in release_rows(work / entry, fmt):
            per_site[str(row.get("site"))] += 1
            languages[str(row.get("language") or "")] += 1
            if row.get("published_at"):
                days.append(str(row["published_at"])[:10])
            capture = row.get("capture") or {}
            if capture.get("warc_file"):
                warcs.add(str(capture["warc_file"]))
    outlets = {site: known[site].name if site in known else site for site in per_site}
    facts = ReleaseFacts(
        name,
        version,
        created,
        info.license,
        info.contact,
        fmt,
        int(meta["rows"]),
        outlets,
        per_site,
        min(days) if days else None,
        max(days) if days else None,
        sorted(lang for lang in languages if lang),
    )
    return facts, warcs


def build_release(
    store: Store,
    name: str,
    version: str,
    fmt: str,
    out: Path,
    selection: ExportFilter,
    info: CardInfo | None = None,
    seal_options: SealOptions | None = None,
    catalog_url: str | None = None,
) -> ReleaseResult:
    out = out.expanduser()
    if out.exists():
        raise ConfigError(f"{out} already exists: a release is written once; give a new --out DIR")
    if not name.strip() or not version.strip():
        raise ConfigError("a release needs a --name and a --version")
    info = info or CardInfo()
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial"))
    try:
        work = scratch / out.name
        export(store, fmt, f"{work}/", selection, info=info, catalog_url=catalog_url)
        facts, warcs = _facts(work, name, version, created, info)
        (work / "CITATION.cff").write_text(citation_cff(facts), encoding="utf-8")
        record = json.dumps(datacite(facts), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        (work / "datacite.json").write_text(record, encoding="utf-8")
        # The crawl lines naming the rows' WARC files: when and by which crawl each capture entered the archive.
        (work / CUSTODY_NAME).write_bytes(b"".join(line.data for line in lines_concerning(store, names=warcs)))
        files = [p for p in sorted(work.rglob("*")) if p.is_file()]
        release: dict[str, Any] = {
            "schema_version": 1,
            "name": name,
            "version": version,
            "created_at": created,
            "software": SOFTWARE,
            "store": store.uri,
            "format": fmt,
            "rows": facts.rows,
            "filters": selection.as_dict(),
            "files": [
                {"name": p.relative_to(work).as_posix(), "sha256": sha256_file(p), "size": p.stat().st_size}
                for p in files
            ],
        }
        body = (json.dumps(release, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
        (work / RELEASE_NAME).write_bytes(body)
        sealed = seal(work, seal_options or SealOptions(), created)
        mask = current_umask()
        for path in [work, *work.rglob("*")]:
            os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~mask)
        os.rename(work, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    try_append(
        store,
        "release",
        [],
        [file_item(out / RELEASE_NAME), file_item(out / DIGEST_NAME)],
    )
    return ReleaseResult(out, facts.rows, len(files), sealed.signed, sealed.timestamped)
