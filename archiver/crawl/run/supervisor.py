"""The one supervisor of crawl processes: start `archiver crawl ...` as a subprocess, see which have exited, and
stop them (SIGTERM, then SIGKILL after a grace period). The scheduler (archiver/ops/schedule.py, through
archiver/ops/launcher.py) and the distributed worker (archiver/distributed/worker.py) both use it.

A crawl runs in its own process because Twisted's reactor runs once per process and a crashing crawl must not take
its supervisor down; in its own session, so a Ctrl-C in the supervisor's terminal reaches the supervisor only,
which then decides how its crawls stop. A crawl gets SIGTERM once only: Scrapy treats a second one as "stop now"
and skips writing the manifest.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

logger = logging.getLogger(__name__)
K = TypeVar("K")
KILL_WAIT = 10.0  # seconds to wait for a killed crawl to be gone


class CrawlHandle(Protocol):
    """A started crawl (`subprocess.Popen` is one)."""

    def poll(self) -> int | None: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...


def crawl_command(crawl_args: Sequence[str], python: str = sys.executable) -> list[str]:
    return [python, "-m", "archiver.cli", "crawl", *crawl_args]


def start_crawl(crawl_args: Sequence[str], python: str = sys.executable) -> subprocess.Popen[bytes]:
    """`archiver crawl CRAWL_ARGS` in a subprocess of its own session; its output goes where ours goes."""
    return subprocess.Popen(crawl_command(crawl_args, python), start_new_session=True)


def exited(handles: Mapping[K, CrawlHandle]) -> list[tuple[K, int]]:
    """The crawls that have exited, with their exit codes."""
    return [(key, code) for key, handle in list(handles.items()) if (code := handle.poll()) is not None]


def stop_crawls(
    handles: Mapping[K, CrawlHandle],
    grace: float,
    *,
    terminated: Iterable[K] = (),
    describe: Callable[[K], str] = str,
    while_waiting: Callable[[], None] | None = None,
    every: float = 30.0,
) -> set[K]:
    """SIGTERM each crawl not in `terminated` (they had theirs), wait up to `grace` seconds for all, then SIGKILL
    the ones still running. `while_waiting` runs every `every` seconds meanwhile (e.g. to extend locks).
    Returns the keys of the killed crawls."""
    already = set(terminated)
    for key, handle in handles.items():
        if key not in already:
            handle.terminate()
    deadline = time.monotonic() + grace
    last_call = time.monotonic()
    while any(handle.poll() is None for handle in handles.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
        if while_waiting is not None and time.monotonic() - last_call > every:
            last_call = time.monotonic()
            while_waiting()
    killed = set()
    for key, handle in handles.items():
        if handle.poll() is None:
            logger.warning("%s did not stop within %gs; killing it", describe(key), grace)
            handle.kill()
            wait_for(handle, KILL_WAIT)
            killed.add(key)
    return killed


def wait_for(handle: CrawlHandle, seconds: float) -> int | None:
    deadline = time.monotonic() + seconds
    while (code := handle.poll()) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return code
