"""Stores: atomic, immutable local directory; S3 on a real SeaweedFS with checksums and conditional puts."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from archiver.errors import ConfigError, NotFoundError, ObjectExistsError
from archiver.store import open_store
from archiver.store.local import LocalStore
from archiver.store.s3 import S3Store
from tests.conftest import archiver, crawl_args


def test_local_put_is_immutable_and_idempotent(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    first = store.put_bytes("articles/x/1.json", b"one", content_type="application/json")
    again = store.put_bytes("articles/x/1.json", b"one", content_type="application/json")
    assert first.created and not again.created and first.sha256 == again.sha256
    with pytest.raises(ObjectExistsError):
        store.put_bytes("articles/x/1.json", b"two", content_type="application/json")
    assert (tmp_path / "articles/x/1.json").read_bytes() == b"one"
    assert [p.name for p in (tmp_path / "articles/x").iterdir()] == ["1.json"]  # no temporary file left


def test_local_concurrent_writers_one_wins(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    outcomes: list[str] = []

    def write(n: int) -> None:
        try:
            store.put_bytes("k/race.json", f"writer {n}".encode(), content_type="application/json")
            outcomes.append("won")
        except ObjectExistsError:
            outcomes.append("refused")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1 and outcomes.count("refused") == 7


def test_local_keys_cannot_escape_the_root(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "root")
    for key in ("../evil", "/abs", "a/../../b", "a/.hidden", ""):
        with pytest.raises(ValueError):
            store.put_bytes(key, b"x", content_type="text/plain")


def test_local_missing_key_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        LocalStore(tmp_path).open("nothing/here.json")


def test_store_uri_registry() -> None:
    assert isinstance(open_store("/tmp/x"), LocalStore)
    assert isinstance(open_store("file:///tmp/x"), LocalStore)
    s3 = open_store("s3://bucket/some/prefix")
    assert isinstance(s3, S3Store) and s3.bucket == "bucket" and s3.prefix == "some/prefix/"
    with pytest.raises(ConfigError):
        open_store("ftp://host/x")
    with pytest.raises(ConfigError):
        open_store("s3:///no-bucket")


def _s3store(s3, bucket: str, **kwargs) -> S3Store:  # type: ignore[no-untyped-def]
    os.environ.update(s3.env)
    return S3Store(bucket, "p", **kwargs)


def test_s3_put_checksums_conditional_and_retry_semantics(s3, s3_client, bucket: str) -> None:  # type: ignore[no-untyped-def]
    store = _s3store(s3, bucket)
    first = store.put_bytes("a/1.json", b"hello", content_type="application/json")
    assert first.created
    head = s3_client.head_object(Bucket=bucket, Key="p/a/1.json", ChecksumMode="ENABLED")
    assert base64.b64decode(head["ChecksumSHA256"]).hex() == hashlib.sha256(b"hello").hexdigest()
    # A retried put of the same bytes (its first answer lost) meets 412 and counts as success.
    again = store.put_bytes("a/1.json", b"hello", content_type="application/json")
    assert not again.created
    with pytest.raises(ObjectExistsError):
        store.put_bytes("a/1.json", b"other", content_type="application/json")
    # The server itself refuses a wrong checksum: integrity does not depend on our code alone.
    with pytest.raises(ClientError) as refused:
        s3_client.put_object(
            Bucket=bucket,
            Key="p/bad",
            Body=b"abc",
            ChecksumSHA256=base64.b64encode(hashlib.sha256(b"abd").digest()).decode(),
        )
    assert refused.value.response["Error"]["Code"] == "BadDigest"


def test_s3_multipart_upload_of_a_large_warc(s3, s3_client, bucket: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = _s3store(s3, bucket, multipart_threshold=5 * 1024 * 1024, part_size=5 * 1024 * 1024)
    path = tmp_path / "big.warc.gz"
    path.write_bytes(os.urandom(11 * 1024 * 1024))
    result = store.put_file("warc/x/big.warc.gz", path, content_type="application/warc")
    assert result.created
    assert store.stored_sha256("warc/x/big.warc.gz") == hashlib.sha256(path.read_bytes()).hexdigest()
    assert not store.put_file("warc/x/big.warc.gz", path, content_type="application/warc").created
    with store.open("warc/x/big.warc.gz") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == result.sha256


def test_crawl_into_s3_and_export_back(web, s3, s3_client, bucket: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    feed = web["feedonly"]
    uri = f"s3://{bucket}/archive"
    run = archiver(*crawl_args(feed.url("/"), store=uri), env={**s3.env, "XDG_STATE_HOME": str(tmp_path / "state")})
    assert run.returncode == 0, run.stderr[-4000:]
    keys = [
        o["Key"]
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
    ]
    assert any(k.startswith("archive/warc/127.0.0.3/") for k in keys)
    assert any(k.startswith("archive/crawls/") and k.endswith("manifest.json") for k in keys)
    for key in keys:
        head = s3_client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert head.get("ChecksumSHA256"), key
        assert head["Metadata"]["sha256"]
    out = tmp_path / "articles.jsonl"
    exported = archiver("export", "--format", "jsonl", "--out", str(out), f"--store={uri}", env=s3.env)
    assert exported.returncode == 0, exported.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {row["url"] for row in rows} == {feed.url(p) for p in feed.state["expected"]}
    assert not [p for p in (tmp_path / "state").rglob("*.warc.gz")]  # the spool was emptied after upload
