"""Errors the library raises; the CLI maps each to one stderr line and an exit code (docs/formats.md: 1, 2, 3)."""

from __future__ import annotations


class ArchiverError(Exception):
    """A failure while working (exit code 1)."""

    exit_code = 1


class ConfigError(ArchiverError):
    """Bad usage or configuration: the message names the fix (exit code 2)."""

    exit_code = 2


class NotFoundError(ArchiverError):
    """What was asked for is not in the archive (exit code 3)."""

    exit_code = 3


class StoreError(ArchiverError):
    """The store cannot be reached or written."""


class ObjectExistsError(StoreError):
    """A different object already exists under this key; objects are immutable."""


class StoreUnavailableError(ConfigError):
    """The store cannot be reached or written at all: a configuration problem (exit code 2)."""
