"""Start scheduled crawls as `archiver crawl` subprocesses: Twisted's reactor runs once per process, and a crawl
that crashes cannot take the scheduler down with it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from archiver.crawl.run.supervisor import crawl_command, start_crawl


@dataclass
class SubprocessLauncher:
    """`launcher(site, crawl_id)` starts `python -m archiver.cli crawl SITE --crawl-id ID --store STORE ...`.

    Started by the crawl supervisor (archiver/crawl/run/supervisor.py): own session, output where ours goes."""

    store: str
    catalog: str | None = None
    frontier: str | None = None
    extra_args: Sequence[str] = field(default_factory=tuple)
    python: str = sys.executable

    def crawl_args(self, site: str, crawl_id: str) -> list[str]:
        args = [site, "--crawl-id", crawl_id, "--store", self.store]
        if self.catalog:
            args += ["--catalog", self.catalog]
        if self.frontier:
            args += ["--frontier", self.frontier]
        return [*args, *self.extra_args]

    def command(self, site: str, crawl_id: str) -> list[str]:
        return crawl_command(self.crawl_args(site, crawl_id), self.python)

    def __call__(self, site: str, crawl_id: str) -> subprocess.Popen[bytes]:
        return start_crawl(self.crawl_args(site, crawl_id), self.python)
