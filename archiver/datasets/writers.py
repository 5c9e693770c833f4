"""Dataset writers by format: each takes article dicts one at a time and never holds the dataset in memory.

JSONL keeps the article JSON as archived. CSV flattens nested fields to JSON text and quotes newlines so Arabic
text opens correctly in a spreadsheet (UTF-8, optionally with a BOM for Excel). Parquet (pyarrow) has a typed
schema: timestamps as UTC timestamps, lists as lists, `capture` and `original_source` as structs.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from archiver.errors import ConfigError
from archiver.extraction.article import ARTICLE_FIELDS

# Column order of CSV: the SPEC article fields, the capture, then what only exports have.
COLUMNS = (
    *ARTICLE_FIELDS,
    "capture",
    "cluster_id",  # export-only: near-duplicate cluster, named by its earliest capture's article id
    "duplicate_of",  # export-only: that earliest article's id, or null for the earliest itself
)
PARQUET_BATCH = 1000


class DatasetWriter(Protocol):
    def write(self, article: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class JsonlWriter:
    def __init__(self, path: Path, *, bom: bool = False) -> None:
        self._handle: IO[str] = path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="\n")

    def write(self, article: dict[str, Any]) -> None:
        self._handle.write(json.dumps(article, ensure_ascii=False, sort_keys=True) + "\n")

    def close(self) -> None:
        self._handle.close()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


class CsvWriter:
    def __init__(self, path: Path, *, bom: bool = False) -> None:
        self._handle: IO[str] = path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="")
        self._csv = csv.writer(self._handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        self._csv.writerow(COLUMNS)

    def write(self, article: dict[str, Any]) -> None:
        self._csv.writerow([_cell(article.get(column)) for column in COLUMNS])

    def close(self) -> None:
        self._handle.close()


def _timestamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class ParquetWriter:
    def __init__(self, path: Path, *, bom: bool = False) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise ConfigError("Parquet export needs pyarrow: run `make install`") from exc
        self._pa = pa
        source = pa.struct([("name", pa.string()), ("url", pa.string())])
        capture = pa.struct(
            [
                ("url", pa.string()),
                ("fetched_at", pa.timestamp("us", tz="UTC")),
                ("status", pa.int32()),
                ("warc_file", pa.string()),
                ("record_id", pa.string()),
                ("offset", pa.int64()),
                ("length", pa.int64()),
                ("payload_digest", pa.string()),
            ]
        )
        self.schema = pa.schema(
            [
                ("schema_version", pa.int32()),
                ("id", pa.string()),
                ("url", pa.string()),
                ("canonical_url", pa.string()),
                ("site", pa.string()),
                ("language", pa.string()),
                ("title", pa.string()),
                ("subtitle", pa.string()),
                ("authors", pa.list_(pa.string())),
                ("published_at", pa.timestamp("us", tz="UTC")),
                ("updated_at", pa.timestamp("us", tz="UTC")),
                ("section", pa.string()),
                ("tags", pa.list_(pa.string())),
                ("body", pa.string()),
                ("images", pa.list_(pa.struct([("url", pa.string()), ("caption", pa.string())]))),
                ("original_source", source),
                ("content_hash", pa.string()),
                ("capture", capture),
                ("extraction", pa.string()),  # JSON text: its shape grows with the extractor
                ("cluster_id", pa.string()),
                ("duplicate_of", pa.string()),
            ]
        )
        self._writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []

    def write(self, article: dict[str, Any]) -> None:
        row = {column: article.get(column) for column in COLUMNS}
        row["published_at"] = _timestamp(row["published_at"])
        row["updated_at"] = _timestamp(row["updated_at"])
        if row["capture"]:
            row["capture"] = dict(
                row["capture"], fetched_at=_timestamp(row["capture"].get("fetched_at", "").replace("Z", "+00:00"))
            )
        row["extraction"] = json.dumps(row["extraction"], ensure_ascii=False, sort_keys=True)
        self._rows.append(row)
        if len(self._rows) >= PARQUET_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(self._pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


WRITERS: dict[str, Callable[..., DatasetWriter]] = {"jsonl": JsonlWriter, "csv": CsvWriter, "parquet": ParquetWriter}
