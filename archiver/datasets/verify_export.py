"""`archiver verify-export PATH [--store URI]`: is an export still what its manifest says, and does each row still
point at the WARC record it was extracted from?

PATH is a data file (its manifest is `PATH.manifest.json`) or a dataset folder (`manifest.json` inside). Every
listed file is re-hashed; a dataset folder holding data files its manifest does not list is a problem too. With a
store, each row's `capture` is read back from its WARC file (offset and length) and compared: record id, payload
digest, target URI. Streams the rows: memory stays flat.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.errors import NotFoundError
from archiver.store import Store
from archiver.store.base import sha256_file
from archiver.verify import _article_problems


@dataclass(frozen=True)
class ExportReport:
    files: int
    rows: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def _manifest_of(path: Path) -> tuple[Path, Path]:
    """(the manifest, the folder its file names are relative to)."""
    if path.is_dir():
        return path / "manifest.json", path
    return path.with_name(path.name + ".manifest.json"), path.parent


def _rows(path: Path, fmt: str) -> Iterator[dict[str, Any]]:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=1000, columns=["id", "url", "capture"]):
            yield from batch.to_pylist()
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if fmt == "csv":
            for row in csv.DictReader(handle):
                yield {"id": row.get("id"), "url": row.get("url"), "capture": json.loads(row.get("capture") or "{}")}
        else:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def verify_export(path: Path, store: Store | None = None) -> ExportReport:
    manifest_path, base = _manifest_of(path.expanduser())
    try:
        meta = json.loads(manifest_path.read_text(encoding="utf-8"))
        entries = {str(entry["name"]): str(entry["sha256"]) for entry in meta["files"]}
        fmt = str(meta["format"])
    except FileNotFoundError as exc:
        raise NotFoundError(f"no manifest at {manifest_path}: give an exported file or dataset folder") from exc
    except (ValueError, KeyError, TypeError) as exc:
        return ExportReport(0, 0, [f"{manifest_path}: unreadable manifest ({exc.__class__.__name__})"])
    problems: list[str] = []
    for name, want in sorted(entries.items()):
        target = base / name
        if not target.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
        elif (got := sha256_file(target)) != want:
            problems.append(f"{name}: sha256 {got} differs from {want} in the manifest")
    if path.is_dir() and (base / "data").is_dir():
        for extra in sorted((base / "data").rglob("*")):
            name = extra.relative_to(base).as_posix()
            if extra.is_file() and name not in entries:
                problems.append(f"{name}: in the dataset folder but not in its manifest")
    rows = 0
    for name in sorted(n for n in entries if n.endswith(f".{fmt}") and (base / n).is_file()):
        try:
            for row in _rows(base / name, fmt):
                rows += 1
                if store is not None:
                    problems += _article_problems(store, f"{name} row {rows} ({row.get('id')})", row)
        except (ValueError, OSError) as exc:
            problems.append(f"{name}: unreadable after row {rows} ({exc.__class__.__name__}: {exc})")
    if rows != meta.get("rows"):
        problems.append(f"{rows} rows in the data, the manifest says {meta.get('rows')}")
    return ExportReport(len(entries), rows, problems)
