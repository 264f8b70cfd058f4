"""Running the proxy app under uvicorn: in the foreground (CLI) or in a thread (tests, pytest plugin).

The socket is bound here, before uvicorn starts, so a busy port is one clear ConfigurationError and
port 0 gives a known free port. Binding anywhere but loopback prints a warning: the proxy has no
authentication of its own, and it spends the keys of its environment for anyone who reaches it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import signal
import socket
import threading
import time
from typing import Any

from llmhpo.gateway.errors import ConfigurationError

log = logging.getLogger("llmhpo.proxy")


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (0 = any free port); ConfigurationError if impossible."""
    if not 0 <= port <= 65535:
        raise ConfigurationError(f"--port must be between 0 and 65535, got {port}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ConfigurationError(f"cannot resolve --host {host!r}: {exc}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigurationError(
            f"cannot listen on {host}:{port} ({exc.strerror}): the port is busy or not allowed; "
            "choose another with --port (or --port 0 for any free port)"
        ) from None
    sock.listen(128)
    return sock


def exposure_warning(host: str) -> str | None:
    """What to tell the user when the proxy listens beyond this machine (None on loopback)."""
    if is_loopback(host):
        return None
    return (
        f"warning: listening on {host}: anyone who can reach this address can use the proxy and the API "
        "keys of its environment (it has no authentication); use --host 127.0.0.1 unless you mean it"
    )


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _server(app: Any) -> Any:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none")
    return uvicorn.Server(config)


def foreground_server(app: Any) -> Any:
    """A uvicorn Server for the main thread whose SIGINT/SIGTERM mean "stop cleanly, exit 0".

    Installed before the proxy prints its address, so a signal sent as soon as a user (or a test)
    sees the address is a clean stop too; uvicorn's own handling would re-raise the signal after
    shutting down (exit 130 / killed by SIGTERM) and lose the final stats line. Run it with
    `server.run(sockets=[sock])`; a second SIGINT forces the exit.
    """
    server = _server(app)

    def stop(signum: int, frame: Any) -> None:
        if server.should_exit and signum == signal.SIGINT:
            server.force_exit = True
        server.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    server.capture_signals = contextlib.nullcontext
    return server


class BackgroundProxy:
    """The app served from a daemon thread: `with BackgroundProxy(app) as proxy: proxy.url`."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.sock = bind(host, port)
        warning = exposure_warning(host)
        if warning:
            log.warning(warning)
        self.url = url_of(self.sock)
        self._server = _server(app)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self.sock]}, name="llmhpo-proxy", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        return self.sock.getsockname()[:2]

    def start(self, timeout_s: float = 10.0) -> BackgroundProxy:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the llmhpo proxy did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10.0)
        self.sock.close()

    def __enter__(self) -> BackgroundProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
