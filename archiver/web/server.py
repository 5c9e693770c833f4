"""`archiver serve`: pywb (the renderer of archived pages) started on a private port, and one uvicorn server
listening on two sockets: the app's port, and the replay port whose requests go to pywb through the replay proxy.
Two ports are two origins, so an archived page never runs with the app's cookies or API."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from archiver.errors import ConfigError
from archiver.replay import prepare_replay
from archiver.web.app import WebConfig, create_app
from archiver.web.replay_proxy import ReplayProxy


def bind(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP named, not left 0: asyncio turns Nagle's algorithm off only on sockets it can tell are TCP. With it
    # on, every answer after the first on a kept-alive connection waited about 40 ms (its body held back until the
    # browser's delayed ACK of its headers).
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot serve on {host}:{port} ({exc.strerror}); pass a free --port/--replay-port") from exc
    sock.listen(128)
    return sock


def by_port(app: Any, replay: Any, replay_port: int) -> Any:
    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        server = scope.get("server") or (None, None)
        target = replay if scope["type"] == "http" and server[1] == replay_port else app
        if scope["type"] == "lifespan":
            target = app
        await target(scope, receive, send)

    return dispatch


def serve(
    config: WebConfig,
    *,
    host: str,
    port: int,
    replay_port: int,
    on_ready: Callable[[str, str], None] | None = None,
    public_origins: tuple[str | None, str | None] = (None, None),
) -> int:
    """Serve until interrupted (SIGINT/SIGTERM stop uvicorn; pywb is stopped either way)."""
    import uvicorn

    from archiver.replay import _wait_until_serving
    from archiver.store import open_existing_store

    app_sock = bind(host, port)
    replay_sock = bind(host, replay_port if replay_port else (app_sock.getsockname()[1] + 1))
    app_port, replay_port = app_sock.getsockname()[1], replay_sock.getsockname()[1]
    # Behind a load balancer the browser sees other origins than the sockets': those go into the CSP and frames.
    app_origin = public_origins[0] or f"http://{host}:{app_port}"
    replay_origin = public_origins[1] or f"http://{host}:{replay_port}"
    config.replay_origin = replay_origin
    with tempfile.TemporaryDirectory(prefix="archiver-serve-") as tmp:
        setup = prepare_replay(open_existing_store(config.store), Path(tmp), port=0, host="127.0.0.1")
        pywb = subprocess.Popen(
            setup.command, cwd=setup.folder, stdout=subprocess.DEVNULL, preexec_fn=_stop_with_parent
        )
        # uvicorn re-raises SIGTERM once it has shut down; with the default action that would end this process
        # before the `finally` below stops pywb. Turned into SystemExit, it unwinds through it.
        previous = signal.signal(signal.SIGTERM, _exit_on_signal)
        try:
            _wait_until_serving(pywb, setup.base_url)
            proxy = ReplayProxy(setup.base_url, app_origin)
            asgi = by_port(create_app(config), proxy, replay_port)
            server = uvicorn.Server(uvicorn.Config(asgi, log_level="warning", lifespan="off"))
            if on_ready:
                on_ready(app_origin, replay_origin)
            with contextlib.suppress(SystemExit):
                asyncio.run(server.serve(sockets=[app_sock, replay_sock]))
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)
            pywb.terminate()
            try:
                pywb.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pywb.kill()
                pywb.wait()
            app_sock.close()
            replay_sock.close()


def _exit_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def _stop_with_parent() -> None:
    """In pywb's child process: on Linux, have the kernel send it SIGTERM when `archiver serve` dies, even by
    SIGKILL, so no replay server outlives the app."""
    import ctypes

    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
