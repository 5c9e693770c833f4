"""The one way the archive writes a file atomically: a temporary file in the target's own folder (same file
system, so the final step is atomic), written, fsynced, given the mode a plain `open()` would give it (the umask,
through archiver/filemode.py), renamed over the final name, and the folder fsynced so the rename itself survives
a power cut. A crash leaves at most a hidden `.NAME.*.part` file, never a half-written file under the final name.

The local store links its temporary file instead of renaming it (an object, once written, is never replaced),
so it uses the pieces (`temp_beside`, `fsync_file`, `fsync_dir`) rather than `write_atomically`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from archiver.filemode import chmod_as_created


def temp_beside(target: Path, suffix: str = ".part") -> tuple[int, Path]:
    """An open file descriptor and path for a new hidden temporary file in `target`'s folder, with the mode a
    plainly created file would have (mkstemp alone gives 0600)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    try:
        chmod_as_created(fd)
    except OSError:
        os.close(fd)
        os.unlink(name)
        raise
    return fd, Path(name)


def write_atomically(path: Path, data: bytes | str) -> None:
    """Put `data` (text as UTF-8) under `path`, all or nothing and durably. Raises OSError; the temporary file
    is gone whatever happens."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make the names in a folder durable (a rename or link is only on disk once its folder is fsynced)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
