"""`archiver replay`: pywb's `wayback` over a store, its configuration in a temporary folder, never in the checkout.

The store's WARC files and CDXJ indexes are a pywb collection as they are: a CDXJ line's `filename` is the WARC
file's store key, so `archive_paths` is the store's root (a directory, or `s3://bucket/prefix/`, which pywb reads
through boto3 with the standard AWS variables). pywb reads indexes only from local files: for an S3 store the CDXJ
files are copied into the temporary folder when replay starts (captures made later need a restart).

pywb lives in its own virtualenv (`.venv-pywb/`, `make install`): it pins old libraries this project cannot share.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archiver.atomicfile import write_atomically
from archiver.errors import ArchiverError, ConfigError, NotFoundError
from archiver.store import Store
from archiver.store.layout import CDXJ_PREFIX
from archiver.store.local import LocalStore

COLLECTION = "libya"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
INSTALL_HINT = "run `make install` (it puts pywb in .venv-pywb/), or set ARCHIVER_PYWB to pywb's `wayback` executable"


@dataclass(frozen=True)
class ReplaySetup:
    command: list[str]  # the wayback command line, run in `folder`
    folder: Path  # holds config.yaml (and an S3 store's indexes)
    base_url: str  # http://HOST:PORT

    @property
    def collection_url(self) -> str:
        return f"{self.base_url}/{COLLECTION}/"


def find_wayback() -> Path:
    """pywb's `wayback`: $ARCHIVER_PYWB, else this checkout's .venv-pywb, else one on PATH."""
    override = os.environ.get("ARCHIVER_PYWB")
    if override:
        if not Path(override).is_file():
            raise ConfigError(f"ARCHIVER_PYWB={override} is not a file; {INSTALL_HINT}")
        return Path(override)
    bundled = PROJECT_ROOT / ".venv-pywb" / "bin" / "wayback"
    if bundled.is_file():
        return bundled
    found = shutil.which("wayback")
    if found:
        return Path(found)
    raise ConfigError(f"pywb is not installed; {INSTALL_HINT}")


def _check_boto3(wayback: Path) -> None:
    python = wayback.with_name("python")
    probe = subprocess.run([str(python), "-c", "import boto3"], capture_output=True, check=False)
    if probe.returncode != 0:
        raise ConfigError(
            f"pywb cannot read an s3:// store without boto3 in its environment: run `{wayback.with_name('pip')} "
            "install boto3` (make install does it)"
        )


def _check_port(host: str, port: int) -> int:
    """The port to serve on (a free one for 0), or ConfigError naming the fix when it is taken."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"cannot serve on {host}:{port} ({exc.strerror}); pass --port with a free port") from exc
        return int(probe.getsockname()[1])


def _copy_indexes(store: Store, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    copied = 0
    for info in store.list(CDXJ_PREFIX):
        name = info.key.rsplit("/", 1)[-1]
        with store.open(info.key) as source, (folder / name).open("wb") as target:
            shutil.copyfileobj(source, target)
        copied += 1
    return copied


def prepare_replay(store: Store, folder: Path, *, port: int, host: str = "127.0.0.1") -> ReplaySetup:
    """Write pywb's config.yaml for `store` into `folder` (indexes too, for S3) and return how to start it."""
    wayback = find_wayback()
    if isinstance(store, LocalStore):
        if not store.root.is_dir():
            raise ConfigError(f"store {store.root} does not exist; pass --store with the archive directory")
        if not (store.root / "indexes" / "cdxj").is_dir():
            raise NotFoundError(f"no CDXJ indexes in {store.root}: crawl into it first, or run `archiver reindex`")
        index_paths = str(store.root / "indexes" / "cdxj") + "/"
        archive_paths = str(store.root) + "/"
    elif store.uri.startswith("s3://"):
        _check_boto3(wayback)
        index_dir = folder / "indexes"
        _copy_indexes(store, index_dir)
        index_paths, archive_paths = str(index_dir) + "/", store.uri
    else:
        raise ConfigError(f"replay reads a local directory or an s3:// store, not {store.uri}")
    port = _check_port(host, port)
    config = {"collections": {COLLECTION: {"index_paths": index_paths, "archive_paths": archive_paths}}}
    # JSON is YAML: no YAML library needed, and paths with any character stay quoted correctly.
    write_atomically(folder / "config.yaml", json.dumps(config, indent=2) + "\n")
    return ReplaySetup([str(wayback), "-p", str(port), "-b", host], folder, f"http://{host}:{port}")


def _wait_until_serving(process: subprocess.Popen[bytes], base_url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise ArchiverError(f"pywb exited at start (code {process.returncode}); its messages are above")
        try:
            with urllib.request.urlopen(base_url + "/", timeout=2) as response:
                response.read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise ArchiverError(f"pywb did not answer on {base_url} within {START_TIMEOUT:.0f}s") from None
            time.sleep(0.3)


def run_replay(
    store: Store, *, port: int, host: str = "127.0.0.1", on_ready: Callable[[ReplaySetup], None] | None = None
) -> int:
    """Serve `store` with pywb until pywb exits or the caller is interrupted (KeyboardInterrupt, SystemExit);
    pywb is stopped either way and the temporary configuration removed. Returns pywb's exit code."""
    with tempfile.TemporaryDirectory(prefix="archiver-replay-") as tmp:
        setup = prepare_replay(store, Path(tmp), port=port, host=host)
        process = subprocess.Popen(setup.command, cwd=setup.folder, stdout=subprocess.DEVNULL)
        try:
            _wait_until_serving(process, setup.base_url)
            if on_ready:
                on_ready(setup)
            return process.wait()
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
