"""botocore's exceptions turned into the archiver's own errors, in one place, so every command that touches an S3
store (crawl, export, history, snapshot, verify, reindex, crawls, health) says what is wrong in one line.

Configuration problems (endpoint unreachable, bucket missing, credentials absent or refused) are exit 2 with the
fix in the message; anything else is a failure while working (exit 1). A missing key is for the caller to decide.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from archiver.errors import ArchiverError, StoreError, StoreUnavailableError

# S3 error codes that mean "the credentials are wrong or missing", not "this object is absent".
CREDENTIAL_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AccessDenied",
        "InvalidToken",
        "ExpiredToken",
        "AuthorizationHeaderMalformed",
        "InvalidClientTokenId",
        "403",
    }
)
MISSING_BUCKET_CODES = frozenset({"NoSuchBucket"})


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode"))


def translate(exc: BaseException, bucket: str, uri: str, action: str) -> ArchiverError:
    """The archiver error for a botocore exception raised while doing `action` (e.g. "list crawls/") on `uri`."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return StoreUnavailableError(
            f"no S3 credentials for {uri}; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an AWS profile)"
        )
    if isinstance(exc, NoRegionError):
        return StoreUnavailableError(f"no AWS region for {uri}; set AWS_DEFAULT_REGION")
    if isinstance(exc, EndpointConnectionError):
        return StoreUnavailableError(f"S3 endpoint unreachable for {uri} ({exc}); check AWS_ENDPOINT_URL")
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in MISSING_BUCKET_CODES:
            return StoreUnavailableError(
                f"S3 bucket {bucket!r} does not exist; check the --store URI or create the bucket"
            )
        if code in CREDENTIAL_CODES:
            return StoreUnavailableError(
                f"S3 refused the credentials for {uri} (error {code}); check AWS_ACCESS_KEY_ID and its secret"
            )
        return StoreError(f"S3 could not {action} in {uri}: error {code}")
    # Every other botocore failure (timeouts, a dropped connection, a malformed endpoint URL) is about reaching S3.
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StoreUnavailableError(f"S3 endpoint unreachable for {uri} ({first}); check AWS_ENDPOINT_URL")


def is_botocore_error(exc: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, BotoCoreError | ClientError)


@contextmanager
def s3_errors(bucket: str, uri: str, action: str) -> Iterator[None]:
    """Run the block, re-raising botocore's exceptions as archiver errors (exit 2 for configuration problems)."""
    try:
        yield
    except Exception as exc:
        if is_botocore_error(exc):
            raise translate(exc, bucket, uri, action) from exc
        raise
