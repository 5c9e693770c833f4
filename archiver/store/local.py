"""The embedded default store: a local directory, written atomically and never overwritten."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from archiver.atomicfile import fsync_dir, fsync_file, temp_beside
from archiver.errors import NotFoundError, ObjectExistsError, StoreError, StoreUnavailableError
from archiver.store.base import CHUNK, ObjectInfo, PutResult, check_key, sha256_file


class LocalStore:
    """Objects are files under `root`. A write goes to a temporary file in the target directory, is fsynced,
    then hard-linked to its final name (link fails if the name exists, so nothing is ever overwritten, even by
    a concurrent writer), and the directory is fsynced. A crash leaves at most a hidden temporary file."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.uri = self.root.as_uri()
        self._root_text = str(self.root)

    def check_writable(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-"):
                pass
        except OSError as exc:
            raise StoreUnavailableError(
                f"store {self.root} is not writable ({exc.strerror}); pass --store with a writable directory"
            ) from exc

    def check_readable(self) -> None:
        """Raise StoreUnavailableError unless the store directory exists and can be read: a read command must not
        report an empty archive (or create a catalog) where a mistyped --store names nothing."""
        if not self.root.exists():
            raise StoreUnavailableError(
                f"store {self.root} does not exist; pass --store with the archive directory (or crawl into it first)"
            )
        if not self.root.is_dir():
            raise StoreUnavailableError(
                f"store {self.root} is not a directory; pass --store with the archive directory"
            )
        if not os.access(self.root, os.R_OK | os.X_OK):
            raise StoreUnavailableError(f"store {self.root} is not readable; check its permissions")

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> PutResult:
        return self._put(key, [data], hashlib.sha256(data).hexdigest(), len(data))

    def put_file(self, key: str, path: Path, *, content_type: str) -> PutResult:
        def chunks() -> Iterator[bytes]:
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

        return self._put(key, chunks(), sha256_file(path), path.stat().st_size)

    def _put(self, key: str, chunks: Iterator[bytes] | list[bytes], sha256: str, size: int) -> PutResult:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = temp_beside(target, ".tmp")
        except OSError as exc:
            raise StoreError(f"cannot write under {target.parent}: {exc.strerror}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(tmp, target)
            except FileExistsError:
                if sha256_file(target) == sha256:
                    return PutResult(key, sha256, size, created=False)
                raise ObjectExistsError(f"{key} already exists with different content; objects are immutable") from None
            fsync_dir(target.parent)
        except OSError as exc:
            raise StoreError(f"cannot write {target}: {exc.strerror}") from exc
        finally:
            tmp.unlink(missing_ok=True)
        return PutResult(key, sha256, size, created=True)

    def claim_bytes(self, key: str, data: bytes) -> PutResult:
        """A no-overwrite put without fsyncs or a temporary file, for small markers whose loss in a crash costs
        little: one exclusive create makes exactly one writer win (a crawl makes one per new article version, on
        its reactor thread, so each directory operation counts). A crash between the create and the write can leave
        the marker empty or short; readers treat such a marker as holding nothing."""
        target = self._path(key)
        sha256 = hashlib.sha256(data).hexdigest()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)  # the umask applies
            except FileExistsError:
                if sha256_file(target) == sha256:
                    return PutResult(key, sha256, len(data), created=False)
                raise ObjectExistsError(f"{key} already exists with different content; objects are immutable") from None
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        except OSError as exc:
            raise StoreError(f"cannot write {target}: {exc.strerror}") from exc
        return PutResult(key, sha256, len(data), created=True)

    def put_many(self, items: Sequence[tuple[str, bytes]], *, content_type: str) -> list[PutResult]:
        """put_bytes for several objects: every temporary file is written, then all are fsynced, linked, and
        their directories fsynced once each (a crawl's article JSON arrive in batches)."""
        staged: list[tuple[str, Path, Path, str, int]] = []
        try:
            for key, data in items:
                target = self._path(key)
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = temp_beside(target, ".tmp")
                staged.append((key, target, tmp, hashlib.sha256(data).hexdigest(), len(data)))
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
            for _key, _target, tmp, _sha, _size in staged:
                fsync_file(tmp)
            results = []
            for key, target, tmp, sha256, size in staged:
                try:
                    os.link(tmp, target)
                except FileExistsError:
                    if sha256_file(target) != sha256:
                        raise ObjectExistsError(
                            f"{key} already exists with different content; objects are immutable"
                        ) from None
                    results.append(PutResult(key, sha256, size, created=False))
                    continue
                results.append(PutResult(key, sha256, size, created=True))
            for directory in sorted({target.parent for _k, target, _t, _s, _n in staged}):
                fsync_dir(directory)
        except OSError as exc:
            raise StoreError(f"cannot write under {self.root}: {exc.strerror}") from exc
        finally:
            for _key, _target, tmp, _sha, _size in staged:
                tmp.unlink(missing_ok=True)
        return results

    def open(self, key: str) -> BinaryIO:
        try:  # plain strings, not Path objects: an export opens every article (os.sep is "/" where this runs)
            return open(os.path.join(self._root_text, check_key(key)), "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError as exc:
            raise NotFoundError(f"{key} is not in the store {self.uri}") from exc

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        with self.open(key) as handle:
            handle.seek(offset)
            return handle.read(length)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        # Walk only the directory the prefix names, so listing `articles/x/` does not scan `warc/`.
        head = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = os.path.join(self._root_text, *head.split("/")) if head else self._root_text
        if not os.path.isdir(start):
            return
        yield from self._walk(start, head, prefix)

    def _walk(self, path: str, rel: str, prefix: str) -> Iterator[ObjectInfo]:
        """A directory's files in name order, then each subdirectory's in name order (as os.walk, top-down with
        sorted names, would give them), hidden names skipped; strings throughout, for speed on large stores."""
        try:
            with os.scandir(path) as entries:
                listed = [(entry.name, entry.is_dir()) for entry in entries if not entry.name.startswith(".")]
        except OSError:
            return  # as os.walk: a directory that cannot be read is skipped
        listed.sort()
        for name, is_dir in listed:
            if not is_dir:
                key = f"{rel}/{name}" if rel else name
                if key.startswith(prefix):
                    yield ObjectInfo(key, os.stat(os.path.join(path, name)).st_size)
        for name, is_dir in listed:
            if is_dir and not os.path.islink(os.path.join(path, name)):
                yield from self._walk(os.path.join(path, name), f"{rel}/{name}" if rel else name, prefix)
