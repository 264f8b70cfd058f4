"""The project's side of the HPOBench worker: one long-lived process per (home, client process).

Started on the first request, reused for every later one, and started again when it has died
(a request that meets a dead worker is retried once on a fresh one). Keyed by the client's pid,
so a forked process-pool or Dask worker never writes into its parent's pipes: it starts its own.
Requests from threads of one process are serialised by a lock.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from llmhpo.harness.errors import UserError
from llmhpo.harness.hpobench.env import HPOBenchHome

WORKER_SCRIPT = Path(__file__).with_name("worker.py")


class WorkerError(RuntimeError):
    """HPOBench raised inside the worker (the message is its one-line error)."""


class WorkerDied(RuntimeError):
    """The worker process ended while a request was in flight."""


class Worker:
    def __init__(self, home: HPOBenchHome) -> None:
        self.home = home
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self.starts = 0
        self.start_seconds: float | None = None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def _start(self) -> subprocess.Popen[str]:
        if not self.home.python.exists():
            raise UserError(f"no HPOBench environment at {self.home.root}; run `llmhpo hpobench setup`")
        (self.home.root / "tmp").mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        with open(self.home.log, "a", encoding="utf-8") as log:
            proc = subprocess.Popen(
                [str(self.home.python), str(WORKER_SCRIPT), str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log, text=True, encoding="utf-8", env=self.home.worker_env(), cwd=self.home.root,
            )
        self._proc = proc
        self.starts += 1
        self._exchange({"op": "hello"})
        self.start_seconds = time.perf_counter() - t0
        return proc

    def _exchange(self, request: dict[str, Any]) -> dict[str, Any]:
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            code = proc.poll()
            if code is None:
                proc.kill()
            code = proc.wait()
            self._proc = None
            raise WorkerDied(f"HPOBench worker (pid {proc.pid}) exited with code {code}; its log is {self.home.log}")
        reply = json.loads(line)
        if not reply.pop("ok", False):
            raise WorkerError(str(reply.get("error", "unknown worker error")))
        return reply

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        """Send one request; a worker found dead (or dying on it) is restarted once and asked again."""
        with self._lock:
            for attempt in (1, 2):
                if self._proc is None or self._proc.poll() is not None:
                    self._start()
                try:
                    return self._exchange({"op": op, **fields})
                except WorkerDied:
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            assert proc.stdin is not None
            proc.stdin.write(json.dumps({"op": "exit"}) + "\n")
            proc.stdin.close()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            proc.kill()
            proc.wait()


_workers: dict[tuple[str, int], Worker] = {}
_registry_lock = threading.Lock()


def worker(home: HPOBenchHome) -> Worker:
    """This process's worker for `home` (created on first use; not started until a request)."""
    key = (str(home.root), os.getpid())
    with _registry_lock:
        if key not in _workers:
            _workers[key] = Worker(home)
        return _workers[key]


@atexit.register
def _close_all() -> None:
    for (_, pid), w in list(_workers.items()):
        if pid == os.getpid():
            w.close()
