"""`archiver export`: stream the selected article versions into a data file or a dataset folder, with its manifest
and dataset card.

Each selected article is read from the store once: the catalog's description of each version (selection fields,
near-duplicate signature; archiver/catalog/versions.py) decides whether it is selected and where it clusters, so a
rejected version is not read and a described one is not signed again. Its row goes to a scratch spool; the rows
are then written from the spool with their cluster links. Every output appears under its final name only
when complete (a temporary file or folder, then a rename); a failure or an empty selection leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver.atomicfile import fsync_dir, write_atomically
from archiver.catalog.versions import LOOKUP_BATCH
from archiver.custody.record import record_export
from archiver.datasets.card import CardInfo, DatasetStats, card, manifest
from archiver.datasets.catalogued import CataloguedVersions
from archiver.datasets.columns import export_row
from archiver.datasets.near_duplicates import NearDuplicates, describe, faithful
from archiver.datasets.selection import VERSION_CHOICES, ExportFilter, chosen_keys
from archiver.datasets.writers import WRITERS, write_from_jsonl
from archiver.errors import ConfigError, NotFoundError
from archiver.filemode import current_umask
from archiver.sites import profiles
from archiver.store import Store
from archiver.store.base import sha256_file
from archiver.store.layout import site_articles_prefix

FORMATS = tuple(WRITERS)
FOLDER_PARTS = ("data", "README.md", "manifest.json")


@dataclass(frozen=True)
class ExportResult:
    path: Path  # the data file, or the dataset folder
    rows: int
    manifest: Path
    card: Path


@dataclass(frozen=True)
class _Job:
    """One export: what to write where, and what it has counted and learnt on the way."""

    store: Store
    fmt: str
    target: Path
    selection: ExportFilter
    stats: DatasetStats
    created: str
    info: CardInfo
    catalogued: CataloguedVersions
    bom: bool


def wants_folder(out: str | Path) -> bool:
    """`--out DIR/` (a trailing slash) or an existing directory asks for a dataset folder."""
    text = str(out)
    return text.endswith(("/", os.sep)) or Path(text).expanduser().is_dir()


def _check(store: Store, fmt: str, out: Path, folder: bool, selection: ExportFilter) -> None:
    if fmt not in WRITERS:
        raise ConfigError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if selection.versions not in VERSION_CHOICES:
        raise ConfigError(f"unknown --versions {selection.versions!r}; use latest or all")
    if folder and out.is_dir():
        taken = [part for part in FOLDER_PARTS if (out / part).exists()]
        if taken:
            raise ConfigError(f"{out} already holds a dataset ({', '.join(taken)}): give a new or empty folder")
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: directory {out.parent} does not exist")
    if not os.access(out if folder and out.is_dir() else out.parent, os.W_OK):
        raise ConfigError(f"cannot write {out}: directory {out.parent} is not writable")
    for site in selection.sites:
        if site not in profiles() and not any(True for _ in store.list(site_articles_prefix(site))):
            raise ConfigError(f"unknown site {site!r}: not registered and not in {store.uri}")


def _relinked(line: bytes, duplicates: NearDuplicates, stats: DatasetStats) -> bytes:
    row = json.loads(line)
    row["cluster_id"], row["duplicate_of"] = duplicates.links(str(row["id"]))
    stats.with_field["duplicate_of"] += row["duplicate_of"] is not None
    return json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def _batches(keys: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_rows(job: _Job, data_path: Path) -> None:
    """Select and cluster with the catalog's descriptions, reading each selected article once, then write the rows
    with their links to `data_path`.

    Pass one takes the chosen versions in key order a batch at a time and looks them up in the catalog: a version
    the filter rejects there is not read at all. Each other version is read once; its row (JSON, one line) goes to
    a scratch spool and its description (the catalog's, or computed now and saved there) to the near-duplicate
    index. Pass two copies the spool line for line, re-encoding only the rows a cluster links, into the JSONL
    output (or a scratch JSONL file that Parquet and CSV are then written from)."""
    store, fmt, selection, stats, catalogued = job.store, job.fmt, job.selection, job.stats, job.catalogued
    with tempfile.TemporaryDirectory(prefix="archiver-export-") as scratch_name:
        scratch = Path(scratch_name)
        names = {site: profile.name for site, profile in profiles().items()}
        duplicates = NearDuplicates(scratch, names)
        try:
            with open(scratch / "rows.jsonl", "w+b") as spool:
                position = 0
                for batch in _batches(chosen_keys(store, selection), LOOKUP_BATCH):
                    known = catalogued.lookup(batch)
                    for key in batch:
                        version = known.get(key)
                        if version is not None and not selection.accepts(version.selection_fields()):
                            continue
                        with store.open(key) as handle:
                            article = json.loads(handle.read())
                        if version is None:
                            if faithful(article):  # described for the catalog, selected or not
                                version = describe(key, article)
                                catalogued.add(version)
                            if not selection.accepts(article):
                                continue
                            version = version or describe(key, article)
                        row = export_row(article, version.article_id, None)
                        line = json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
                        spool.write(line)
                        duplicates.observe(version, position)
                        stats.add(row)
                        position += len(line)
                catalogued.flush()

                def reread(at: int) -> dict[str, Any]:
                    spool.seek(at)
                    value: dict[str, Any] = json.loads(spool.readline())
                    return value

                duplicates.resolve(reread)
                if stats.rows == 0:
                    raise NotFoundError(f"no articles in {store.uri} match the selection; nothing written")
                spool.seek(0)
                jsonl = data_path if fmt == "jsonl" else scratch / "linked.jsonl"
                with jsonl.open("wb") as out:
                    if job.bom and fmt == "jsonl":
                        out.write(b"\xef\xbb\xbf")
                    linked = duplicates.linked_positions()
                    next_linked, position = next(linked, None), 0
                    for line in spool:
                        if position == next_linked:
                            out.write(_relinked(line, duplicates, stats))
                            next_linked = next(linked, None)
                        else:
                            out.write(line)
                        position += len(line)
        finally:
            duplicates.close()
        if fmt != "jsonl":
            write_from_jsonl(fmt, jsonl, data_path, bom=job.bom)
    with data_path.open("rb+") as handle:
        os.fsync(handle.fileno())


@contextmanager
def _scratch_folder(parent: Path, name: str) -> Iterator[Path]:
    try:
        work = Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}.", suffix=".part"))
    except OSError as exc:
        raise ConfigError(f"cannot write in {parent}: {exc.strerror}") from exc
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _finish(meta: dict[str, Any], base: Path, card_path: Path, manifest_path: Path, text: str) -> None:
    write_atomically(card_path, text)
    meta["files"].append({"name": card_path.relative_to(base).as_posix(), "sha256": sha256_file(card_path)})
    write_atomically(manifest_path, json.dumps(meta, ensure_ascii=False, indent=1) + "\n")


def export(
    store: Store,
    fmt: str,
    out: str | Path,
    selection: ExportFilter,
    *,
    bom: bool = False,
    info: CardInfo | None = None,
    catalog_url: str | None = None,
) -> ExportResult:
    """Write the selection in `fmt`: to the file `out` with `out`.manifest.json and `out`.README.md beside it, or,
    when `out` is a folder (`wants_folder`), as a dataset folder: data/, README.md (the card) and manifest.json.
    The catalog (`catalog_url`, else the store's default one) describes the articles for selection and
    near-duplicate clustering, and learns the ones it did not describe yet."""
    folder = wants_folder(out)
    target = Path(str(out)).expanduser()
    _check(store, fmt, target, folder, selection)
    info = info or CardInfo()
    stats = DatasetStats(selected_sites=selection.sites)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    job = _Job(store, fmt, target, selection, stats, created, info, CataloguedVersions.open(store, catalog_url), bom)
    try:
        return _export_folder(job) if folder else _export_file(job)
    finally:
        job.catalogued.close()


def _export_file(job: _Job) -> ExportResult:
    store, fmt, target, stats = job.store, job.fmt, job.target, job.stats
    with _scratch_folder(target.parent, target.name) as work:
        _write_rows(job, work / target.name)
        os.chmod(work / target.name, 0o666 & ~current_umask())
        os.replace(work / target.name, target)
        fsync_dir(target.parent)  # the data file streams, so it is renamed here rather than by write_atomically
    meta = manifest({target.name: sha256_file(target)}, fmt, stats, job.selection.as_dict(), store.uri, job.created)
    card_path = target.with_name(target.name + ".README.md")
    manifest_path = target.with_name(target.name + ".manifest.json")
    _finish(meta, target.parent, card_path, manifest_path, card(target.name, meta, stats, job.info, [target.name]))
    record_export(store, [target, manifest_path, card_path])
    return ExportResult(target, stats.rows, manifest_path, card_path)


def _export_folder(job: _Job) -> ExportResult:
    store, fmt, target, stats = job.store, job.fmt, job.target, job.stats
    existing = target.is_dir()
    with _scratch_folder(target if existing else target.parent, target.name) as work:
        data = work / "data" / f"articles.{fmt}"
        data.parent.mkdir()
        _write_rows(job, data)
        relative = data.relative_to(work).as_posix()
        meta = manifest({relative: sha256_file(data)}, fmt, stats, job.selection.as_dict(), store.uri, job.created)
        text = card(target.name, meta, stats, job.info, [relative])
        _finish(meta, work, work / "README.md", work / "manifest.json", text)
        mask = current_umask()
        for path in (work, data.parent):
            os.chmod(path, 0o777 & ~mask)
        for path in (data, work / "README.md", work / "manifest.json"):
            os.chmod(path, 0o666 & ~mask)
        if existing:
            for part in FOLDER_PARTS:  # the manifest last: its presence says the folder is complete
                os.rename(work / part, target / part)
        else:
            os.rename(work, target)
        fsync_dir(target.parent)
        if existing:
            fsync_dir(target)
    record_export(store, [target / part for part in FOLDER_PARTS], target)
    return ExportResult(target, stats.rows, target / "manifest.json", target / "README.md")
