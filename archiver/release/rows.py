"""Read back what a release needs from any export format: site, publication month, capture id of every row."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COLUMNS = ["id", "site", "published_at", "capture"]


def data_files(manifest: dict[str, Any]) -> list[str]:
    """The data files an export manifest lists (it lists the card too)."""
    fmt = str(manifest["format"])
    return [str(e["name"]) for e in manifest["files"] if str(e["name"]).endswith(f".{fmt}")]


def release_rows(path: Path, fmt: str) -> Iterator[dict[str, Any]]:
    """Rows with `id`, `site`, `published_at` and `capture` (a dict), streamed."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=1000, columns=COLUMNS):
            yield from batch.to_pylist()
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if fmt == "csv":
            for row in csv.DictReader(handle):
                yield {**{k: row.get(k) for k in COLUMNS}, "capture": json.loads(row.get("capture") or "{}")}
        else:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def capture_id(row: dict[str, Any]) -> str | None:
    """The WARC-Record-ID of the response the row was extracted from: the id any row is checked against."""
    capture = row.get("capture")
    if isinstance(capture, dict) and capture.get("record_id") and capture.get("warc_file"):
        return str(capture["record_id"])
    return None
