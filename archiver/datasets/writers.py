"""Dataset writers by format: each takes article dicts one at a time and never holds the dataset in memory.

JSONL keeps the article JSON as archived, plus the export columns (`columns.py`). CSV flattens nested fields to
JSON text and quotes newlines so Arabic text opens correctly in a spreadsheet (UTF-8, optionally with a BOM for
Excel). Parquet (pyarrow) has a typed schema: the `_utc` twins as UTC timestamps, the times as published as text,
lists as lists, `capture`, `extraction` and `original_source` as structs.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from archiver.datasets.columns import COLUMNS, parquet_schema, parquet_values
from archiver.errors import ConfigError

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


class ParquetWriter:
    def __init__(self, path: Path, *, bom: bool = False) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise ConfigError("Parquet export needs pyarrow: run `make install`") from exc
        self._pa = pa
        self.schema = parquet_schema()
        self._writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []

    def write(self, article: dict[str, Any]) -> None:
        self._rows.append(parquet_values(article))
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
JSON_SEGMENT = 8 << 20  # bytes of rows Arrow's JSON reader parses at a time: memory stays flat


def _segments(source: Path) -> Iterator[bytes]:
    """Whole lines of `source`, about JSON_SEGMENT bytes at a time (a longer row makes a segment of its own)."""
    with source.open("rb") as rows:
        lines: list[bytes] = []
        size = 0
        for line in rows:
            lines.append(line)
            size += len(line)
            if size >= JSON_SEGMENT:
                yield b"".join(lines)
                lines, size = [], 0
        if lines:
            yield b"".join(lines)


def _parquet_by_arrow(source: Path, path: Path) -> None:
    """Parquet from rows as JSON lines, parsed by Arrow's own JSON reader into the export schema, a segment at a time
    (its streaming reader keeps what it has read, so memory would grow with the export)."""
    import pyarrow as pa
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    schema = parquet_schema()
    parse = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        for segment in _segments(source):
            read = pj.ReadOptions(block_size=len(segment) + 1, use_threads=False)
            table = pj.read_json(pa.BufferReader(segment), read_options=read, parse_options=parse)
            writer.write_table(table.select(schema.names))


def write_from_jsonl(fmt: str, source: Path, path: Path, *, bom: bool = False) -> None:
    """Write `path` in `fmt` from a file of export rows, one JSON object a line."""
    if fmt == "parquet":
        try:
            import pyarrow as pa
        except ImportError as exc:
            raise ConfigError("Parquet export needs pyarrow: run `make install`") from exc
        try:
            return _parquet_by_arrow(source, path)
        except pa.ArrowInvalid:
            pass  # a value Arrow's reader will not coerce (an unusual type, a nested shape it cannot read): row by row
    writer = WRITERS[fmt](path, bom=bom)
    try:
        with source.open("rb") as rows:
            for line in rows:
                writer.write(json.loads(line))
    finally:
        writer.close()
