"""S3 store through boto3: SHA-256 checksums on every put, conditional writes, multipart for large WARCs.

Endpoint and credentials come from the standard AWS variables and config files (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``...). Integrity rules (docs/capture.md): the server refuses a wrong checksum; an existing
key answers 412 to ``If-None-Match: *``; a retried put whose first response was lost also gets 412, so a 412
counts as success only when the stored object's SHA-256 equals ours.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from archiver.errors import ConfigError, NotFoundError, ObjectExistsError, StoreError, StoreUnavailableError
from archiver.store.base import ObjectInfo, PutResult, check_key, sha256_file
from archiver.store.s3_errors import error_code, s3_errors, translate

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MULTIPART_THRESHOLD = 64 * 1024 * 1024
PART_SIZE = 16 * 1024 * 1024
MISSING_KEY_CODES = ("NoSuchKey", "404")
SHA256_META = "sha256"  # user metadata: hex SHA-256 of the whole object (multipart checksums are composite)


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


class S3Store:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: S3Client | None = None,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        part_size: int = PART_SIZE,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.uri = f"s3://{bucket}/{self.prefix}"
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self._client = client

    @property
    def client(self) -> S3Client:
        if self._client is None:
            try:
                import boto3
                from botocore.config import Config
            except ImportError as exc:  # pragma: no cover - boto3 is a core dependency
                raise ConfigError("s3:// stores need boto3: run `make install`") from exc
            # AWS_MAX_ATTEMPTS (the standard variable) wins over our default, as it would without an explicit Config.
            raw = os.environ.get("AWS_MAX_ATTEMPTS", "")
            attempts = int(raw) if raw.isdigit() and int(raw) > 0 else 5
            config = Config(retries={"max_attempts": attempts, "mode": "standard"}, connect_timeout=10, read_timeout=60)
            with s3_errors(self.bucket, self.uri, "connect"):
                # A session of its own: the environment is read when the store opens, not once per process.
                self._client = boto3.session.Session().client("s3", config=config)
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def check_writable(self) -> None:
        self.check_readable()

    def check_readable(self) -> None:
        """Raise StoreUnavailableError (exit 2, the fix in its message) unless the bucket answers."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchBucket"):  # HEAD answers carry no error body, only the status
                raise StoreUnavailableError(
                    f"S3 bucket {self.bucket!r} does not exist; check the --store URI or create the bucket"
                ) from exc
            raise translate(exc, self.bucket, self.uri, "reach the bucket") from exc
        except Exception as exc:
            raise translate(exc, self.bucket, self.uri, "reach the bucket") from exc

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> PutResult:
        digest = hashlib.sha256(data)
        return self._conditional(
            key,
            digest.hexdigest(),
            len(data),
            lambda: self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ContentType=content_type,
                ChecksumSHA256=_b64(digest.digest()),
                IfNoneMatch="*",
                Metadata={SHA256_META: digest.hexdigest()},
            ),
        )

    def put_file(self, key: str, path: Path, *, content_type: str) -> PutResult:
        size = path.stat().st_size
        if size < self.multipart_threshold:
            return self.put_bytes(key, path.read_bytes(), content_type=content_type)
        sha256 = sha256_file(path)
        return self._conditional(key, sha256, size, lambda: self._multipart(key, path, sha256, content_type))

    def _multipart(self, key: str, path: Path, sha256: str, content_type: str) -> None:
        s3key = self._key(key)
        upload = self.client.create_multipart_upload(
            Bucket=self.bucket,
            Key=s3key,
            ContentType=content_type,
            ChecksumAlgorithm="SHA256",
            Metadata={SHA256_META: sha256},
        )
        upload_id = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        try:
            with path.open("rb") as handle:
                number = 1
                while chunk := handle.read(self.part_size):
                    checksum = _b64(hashlib.sha256(chunk).digest())
                    answer = self.client.upload_part(
                        Bucket=self.bucket,
                        Key=s3key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=chunk,
                        ChecksumSHA256=checksum,
                    )
                    parts.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": checksum})
                    number += 1
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=s3key,
                UploadId=upload_id,
                MultipartUpload={"Parts": cast(Any, parts)},
                IfNoneMatch="*",
            )
        except BaseException:
            # An incomplete upload is invisible; abort it so the parts do not linger.
            with suppress(Exception):  # the original error matters more
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=s3key, UploadId=upload_id)
            raise

    def _conditional(self, key: str, sha256: str, size: int, write: Any) -> PutResult:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            write()
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = exc.response.get("Error", {}).get("Code")
            if status == 412 or code in ("PreconditionFailed", "ConditionalRequestConflict"):
                if self.stored_sha256(key) == sha256:
                    return PutResult(key, sha256, size, created=False)
                raise ObjectExistsError(f"{key} already exists with different content; objects are immutable") from exc
            raise StoreError(f"S3 put of {key} failed: {code} ({status})") from exc
        except BotoCoreError as exc:
            raise StoreError(f"S3 put of {key} failed: {exc}") from exc
        return PutResult(key, sha256, size, created=True)

    def stored_sha256(self, key: str) -> str | None:
        """The SHA-256 the object was stored with (our metadata, cross-checked with S3's own checksum)."""
        from botocore.exceptions import ClientError

        try:
            with s3_errors(self.bucket, self.uri, f"read {key}"):
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key), ChecksumMode="ENABLED")
        except StoreError as exc:
            if isinstance(exc.__cause__, ClientError) and error_code(exc.__cause__) in MISSING_KEY_CODES:
                return None
            raise
        hexdigest = head.get("Metadata", {}).get(SHA256_META)
        native = head.get("ChecksumSHA256")
        if native and "-" not in native and hexdigest and base64.b64decode(native).hex() != hexdigest:
            return None
        return hexdigest

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if error_code(exc) in MISSING_KEY_CODES:
                raise NotFoundError(f"{key} is not in the store {self.uri}") from exc
            raise translate(exc, self.bucket, self.uri, f"read {key}") from exc
        except Exception as exc:
            raise translate(exc, self.bucket, self.uri, f"read {key}") from exc
        return cast(BinaryIO, answer["Body"])

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        from botocore.exceptions import ClientError

        where = f"read {key} bytes {offset}+{length}"
        try:
            with s3_errors(self.bucket, self.uri, where):
                answer = self.client.get_object(
                    Bucket=self.bucket, Key=self._key(key), Range=f"bytes={offset}-{offset + length - 1}"
                )
                return answer["Body"].read()
        except StoreError as exc:
            if isinstance(exc.__cause__, ClientError) and error_code(exc.__cause__) in (
                *MISSING_KEY_CODES,
                "InvalidRange",
            ):
                raise NotFoundError(f"{key} bytes {offset}+{length} not readable from {self.uri}") from exc
            raise

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            with s3_errors(self.bucket, self.uri, f"look for {key}"):
                self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except StoreError as exc:
            if isinstance(exc.__cause__, ClientError) and error_code(exc.__cause__) in MISSING_KEY_CODES:
                return False
            raise
        return True

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        with s3_errors(self.bucket, self.uri, f"list {prefix or 'the bucket'}"):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    yield ObjectInfo(item["Key"][len(self.prefix) :], item["Size"])
