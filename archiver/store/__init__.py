"""Stores behind one protocol, chosen by URI scheme (a path or file:// for a local directory, s3://bucket/prefix)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from archiver.errors import ConfigError
from archiver.store.base import ObjectInfo, PutResult, Store

__all__ = [
    "ObjectInfo",
    "PutResult",
    "Store",
    "default_store_uri",
    "open_existing_store",
    "open_store",
    "register_scheme",
]

_SCHEMES: dict[str, Callable[[str], Store]] = {}


def register_scheme(scheme: str, factory: Callable[[str], Store]) -> None:
    _SCHEMES[scheme] = factory


def _local(uri: str) -> Store:
    from archiver.store.local import LocalStore

    parts = urlsplit(uri)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ConfigError(f"file:// store must be local, got host {parts.netloc!r}; use file:///abs/path")
        return LocalStore(Path(unquote(parts.path)))
    return LocalStore(Path(uri).expanduser())


def _s3(uri: str) -> Store:
    from archiver.store.s3 import S3Store

    parts = urlsplit(uri)
    if not parts.netloc:
        raise ConfigError(f"S3 store URI {uri!r} has no bucket; use s3://bucket/prefix")
    return S3Store(parts.netloc, parts.path)


register_scheme("file", _local)
register_scheme("", _local)
register_scheme("s3", _s3)


def default_store_uri() -> str:
    return os.environ.get("ARCHIVER_STORE") or "./archive"


def open_store(uri: str | None = None) -> Store:
    """The store for `uri` (default: $ARCHIVER_STORE, else ./archive). Raises ConfigError for unknown schemes."""
    uri = uri or default_store_uri()
    scheme = urlsplit(uri).scheme if "://" in uri else ""
    factory = _SCHEMES.get(scheme)
    if factory is None:
        known = ", ".join(f"{s}://" for s in sorted(_SCHEMES) if s)
        raise ConfigError(f"unknown store scheme {scheme!r} in {uri!r}; use a path or one of {known}")
    return factory(uri)


def open_existing_store(uri: str | None = None) -> Store:
    """The store for `uri`, for reading: ConfigError (exit 2) when it does not exist or cannot be reached, so a
    mistyped --store is not reported as an empty archive."""
    store = open_store(uri)
    store.check_readable()
    return store
