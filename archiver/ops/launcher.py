"""Start scheduled crawls as `archiver crawl` subprocesses: Twisted's reactor runs once per process, and a crawl
that crashes cannot take the scheduler down with it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class SubprocessLauncher:
    """`launcher(site, crawl_id)` starts `python -m archiver.cli crawl SITE --crawl-id ID --store STORE ...`.

    Each crawl gets its own session, so a Ctrl-C in the scheduler's terminal reaches the scheduler only, and the
    scheduler decides how its crawls stop. Their output goes where the scheduler's goes."""

    store: str
    catalog: str | None = None
    frontier: str | None = None
    extra_args: Sequence[str] = field(default_factory=tuple)
    python: str = sys.executable

    def command(self, site: str, crawl_id: str) -> list[str]:
        command = [self.python, "-m", "archiver.cli", "crawl", site, "--crawl-id", crawl_id, "--store", self.store]
        if self.catalog:
            command += ["--catalog", self.catalog]
        if self.frontier:
            command += ["--frontier", self.frontier]
        return [*command, *self.extra_args]

    def __call__(self, site: str, crawl_id: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command(site, crawl_id), start_new_session=True)
