"""The one crawl supervisor (used by the scheduler and the distributed worker), on real child processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from archiver.crawl.run.supervisor import crawl_command, exited, stop_crawls, wait_for
from archiver.distributed.worker import JobWorker, WorkerConfig
from archiver.ops.launcher import SubprocessLauncher

STUBBORN = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
)
OBEDIENT = "import time; print('ready', flush=True); time.sleep(60)"


def child(code: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=True)
    assert process.stdout is not None and process.stdout.readline() == b"ready\n"  # its signal handler is set
    return process


def test_both_supervisors_start_the_same_crawl_command() -> None:
    launcher = SubprocessLauncher("s3://bucket", catalog="postgresql://db", extra_args=("--set", "A=1"))
    assert launcher.command("alwasat", "c1") == crawl_command(
        ["alwasat", "--crawl-id", "c1", "--store", "s3://bucket", "--catalog", "postgresql://db", "--set", "A=1"]
    )
    assert crawl_command(["x"])[:4] == [sys.executable, "-m", "archiver.cli", "crawl"]
    worker = JobWorker(WorkerConfig("redis://127.0.0.1:6379/15", store="/tmp/store"))
    assert worker.command("job1") == crawl_command(
        ["--frontier", "redis://127.0.0.1:6379/15", "--crawl-id", "job1", "--join", "--store", "/tmp/store"]
    )


def test_stop_terminates_then_kills_what_ignores_sigterm_and_skips_the_terminated() -> None:
    obedient, stubborn, already = child(OBEDIENT), child(STUBBORN), child(OBEDIENT)
    already.send_signal(signal.SIGTERM)
    wait_for(already, 10.0)
    handles = {"obedient": obedient, "stubborn": stubborn, "already": already}
    assert exited(handles) == [("already", -signal.SIGTERM)]
    killed = stop_crawls(handles, 1.0, terminated={"already"})
    assert killed == {"stubborn"}
    assert obedient.poll() == -signal.SIGTERM and stubborn.poll() == -signal.SIGKILL
    assert sorted(exited(handles)) == [
        ("already", -signal.SIGTERM),
        ("obedient", -signal.SIGTERM),
        ("stubborn", -signal.SIGKILL),
    ]
    for process in handles.values():
        assert process.stdout is not None
        process.stdout.close()


def test_while_waiting_runs_during_a_long_stop() -> None:
    stubborn = child(STUBBORN)
    calls: list[float] = []
    stop_crawls({"s": stubborn}, 1.5, while_waiting=lambda: calls.append(time.monotonic()), every=0.3)
    assert calls and stubborn.poll() == -signal.SIGKILL
    assert stubborn.stdout is not None
    stubborn.stdout.close()
