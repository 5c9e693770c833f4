"""File modes that follow the process umask, for files first written under a temporary name.

`tempfile.mkstemp` creates files mode 0600 whatever the umask says; renamed or linked into place they would stay
unreadable to a replay server, a web server or a colleague running as another user. Every such file gets the mode
an ordinary `open()` would have given it (0644 under the usual umask 022).
"""

from __future__ import annotations

import os
import threading

_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the system allows (Linux), else set back at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    with _LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def created_file_mode() -> int:
    """The mode `open(path, "w")` would give a new file: 0o666 less the umask."""
    return 0o666 & ~current_umask()


def chmod_as_created(fd: int) -> None:
    """Give an open temporary file the mode a plainly created file would have."""
    os.fchmod(fd, created_file_mode())
