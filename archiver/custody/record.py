"""What each action puts in its custody line. Called by crawl, export, verify and reindex after they finish.

The action itself has already succeeded when its line is written; a store that refuses the line (read-only,
unreachable) does not undo it, so a failed append is logged as a warning naming the fix, never raised.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from archiver.custody.log import Item, StoredLine, append
from archiver.errors import ArchiverError
from archiver.store import Store
from archiver.store.base import sha256_file
from archiver.store.layout import CRAWLS_PREFIX, is_manifest_key, is_warc_key

logger = logging.getLogger(__name__)


def file_item(path: Path, name: str | None = None) -> Item:
    return Item(name or path.name, sha256_file(path))


def bytes_item(name: str, data: bytes) -> Item:
    return Item(name, hashlib.sha256(data).hexdigest())


def stored_item(store: Store, key: str) -> Item:
    digest = hashlib.sha256()
    with store.open(key) as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return Item(key, digest.hexdigest())


def files_under(folder: Path, parts: Iterable[Path] | None = None) -> list[Item]:
    """Every file of an output folder (or of these parts of it), by its path inside the folder, in a stable order."""
    found: list[Path] = []
    for part in parts if parts is not None else [folder]:
        found += sorted(p for p in part.rglob("*") if p.is_file()) if part.is_dir() else [part]
    return [file_item(p, p.relative_to(folder).as_posix()) for p in found]


def try_append(store: Store, action: str, inputs: Iterable[Item], outputs: Iterable[Item]) -> StoredLine | None:
    try:
        return append(store, action, inputs, outputs)
    except (ArchiverError, OSError) as exc:
        logger.warning(
            "the %s was not written to the custody log of %s (%s); make the store writable, and note the action "
            "by hand if it matters",
            action,
            store.uri,
            exc,
        )
        return None


def record_crawl(store: Store, manifest_key: str) -> StoredLine | None:
    """A crawl's outputs: its manifest (which lists every object it stored, with sha256) and its WARC files."""
    return _record_manifest(store, "crawl", manifest_key, [])


def record_import(store: Store, manifest_key: str, inputs: Iterable[Item]) -> StoredLine | None:
    """An import's inputs: the files (or Wayback captures) it took in, by their sha256 on arrival; its outputs, as a
    crawl's: its manifest and the WARC files it stored."""
    return _record_manifest(store, "import", manifest_key, list(inputs))


def _record_manifest(store: Store, action: str, manifest_key: str, inputs: list[Item]) -> StoredLine | None:
    try:
        with store.open(manifest_key) as handle:
            data = handle.read()
        objects = json.loads(data).get("objects", [])
    except (ArchiverError, OSError, ValueError) as exc:
        logger.warning("custody: the manifest %s could not be read (%s)", manifest_key, exc)
        return None
    outputs = [bytes_item(manifest_key, data)]
    outputs += [
        Item(str(entry["key"]), str(entry["sha256"]))
        for entry in objects
        if is_warc_key(str(entry.get("key", ""))) and entry.get("sha256")
    ]
    return try_append(store, action, inputs, outputs)


def record_export(store: Store, outputs: Iterable[Path], folder: Path | None = None) -> StoredLine | None:
    items = files_under(folder, outputs) if folder is not None else [file_item(p) for p in outputs]
    return try_append(store, "export", [], items)


def record_verify(store: Store, report_lines: list[str], intact: bool) -> StoredLine | None:
    """A verify's output is its report (the problems found, or none): named with its outcome, hashed."""
    text = "\n".join(report_lines).encode("utf-8")
    outcome = "intact" if intact else f"{len(report_lines)} problem(s)"
    return try_append(store, "verify", [], [bytes_item(f"verify report: {outcome}", text)])


def record_reindex(store: Store) -> StoredLine | None:
    """A reindex reads every crawl manifest (and the CDXJ indexes they list): its inputs are the manifests."""
    inputs = [stored_item(store, info.key) for info in store.list(CRAWLS_PREFIX) if is_manifest_key(info.key)]
    return try_append(store, "reindex", inputs, [])


def record_package(store: Store, warc_records: Iterable[Item], package: Path) -> StoredLine | None:
    """A package's inputs: the WARC files (or records) it copies, by sha256; its output: the package file."""
    return try_append(store, "package", warc_records, [file_item(package)])
