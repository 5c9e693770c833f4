"""The archive's typed records: an article version, the capture it came from, a crawl's manifest.

Each record is the one definition of its format: the JSON the store holds, the export columns and the Parquet
schema derive from these classes (docs/formats.md describes every field)."""

from archiver.records.article import ARTICLE_FIELDS, SCHEMA_VERSION, Article
from archiver.records.capture import CAPTURE_FIELDS, Capture
from archiver.records.jsonbytes import json_bytes, stamp
from archiver.records.manifest import MANIFEST_FIELDS, Manifest

__all__ = [
    "ARTICLE_FIELDS",
    "CAPTURE_FIELDS",
    "MANIFEST_FIELDS",
    "SCHEMA_VERSION",
    "Article",
    "Capture",
    "Manifest",
    "json_bytes",
    "stamp",
]
