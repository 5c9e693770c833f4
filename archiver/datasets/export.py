"""`archiver export`: stream the selected article versions into a file, then write its manifest and dataset card.

Every output appears under its final name only when complete (temporary file, fsync, rename); a failure or an empty
selection leaves nothing behind."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archiver.datasets.card import DatasetStats, card, manifest
from archiver.datasets.near_duplicates import NearDuplicates
from archiver.datasets.selection import VERSION_CHOICES, ExportFilter, select
from archiver.datasets.writers import WRITERS
from archiver.errors import ConfigError, NotFoundError
from archiver.filemode import chmod_as_created
from archiver.sites import profiles
from archiver.store import Store
from archiver.store.base import sha256_file

FORMATS = tuple(WRITERS)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    manifest: Path
    card: Path


def _check(store: Store, fmt: str, out: Path, selection: ExportFilter) -> None:
    if fmt not in WRITERS:
        raise ConfigError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if selection.versions not in VERSION_CHOICES:
        raise ConfigError(f"unknown --versions {selection.versions!r}; use latest or all")
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: directory {out.parent} does not exist")
    if not os.access(out.parent, os.W_OK):
        raise ConfigError(f"cannot write {out}: directory {out.parent} is not writable")
    if (
        selection.site
        and selection.site not in profiles()
        and not any(True for _ in store.list(f"articles/{selection.site}/"))
    ):
        raise ConfigError(f"unknown site {selection.site!r}: not registered and not in {store.uri}")


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        chmod_as_created(fd)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(tmp)


def export(store: Store, fmt: str, out: Path, selection: ExportFilter, *, bom: bool = False) -> ExportResult:
    """Write the selection to `out` in `fmt`, with `out`.manifest.json and `out`.README.md (the dataset card)."""
    out = out.expanduser()
    _check(store, fmt, out, selection)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror}") from exc
    chmod_as_created(fd)
    os.close(fd)
    tmp = Path(tmp_name)
    stats = DatasetStats()
    try:
        with tempfile.TemporaryDirectory(prefix="archiver-export-") as scratch:
            duplicates = NearDuplicates(Path(scratch))
            try:
                # Three streaming passes: stock-paragraph counts, signatures and links, then the rows.
                for article in select(store, selection):
                    duplicates.count_paragraphs(article)
                for article in select(store, selection):
                    duplicates.add(article)
                writer = WRITERS[fmt](tmp, bom=bom)
                try:
                    for article in select(store, selection):
                        cluster_id, duplicate_of = duplicates.links(article["id"])
                        row = dict(article, cluster_id=cluster_id, duplicate_of=duplicate_of)
                        writer.write(row)
                        stats.add(row)
                finally:
                    writer.close()
            finally:
                duplicates.close()
        if stats.rows == 0:
            raise NotFoundError(f"no articles in {store.uri} match the selection; nothing written")
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = manifest({out.name: sha256_file(out)}, fmt, stats, selection.as_dict(), store.uri, created)
    manifest_path = out.with_name(out.name + ".manifest.json")
    card_path = out.with_name(out.name + ".README.md")
    _write_atomically(card_path, card(out.name, meta, stats))
    meta["files"].append({"name": card_path.name, "sha256": hashlib.sha256(card_path.read_bytes()).hexdigest()})
    _write_atomically(manifest_path, json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return ExportResult(out, stats.rows, manifest_path, card_path)
