"""One writer per campaign directory: an exclusive lock on `<out>/<campaign>/.lock`.

Why: two `llmhpo run` into the same --out would both resume from the same journal and append the
same (run, index) rows. The lock is an `fcntl.flock` on a file that also holds the owner's pid (so
the second run can name it). The kernel releases a flock when its process dies, even by kill -9,
so a stale lock left by a killed run is simply taken over; the pid it left behind is reported as a
note. Nothing here is a polling or timeout heuristic that could let two writers in.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.errors import UserError

LOCK = ".lock"


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
        return int(text.split()[0]) if text else None
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def campaign_lock(directory: Path, notes: list[str] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of `directory` (which must exist); UserError naming the holder if taken."""
    path = directory / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise UserError(f"cannot create the lock file {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            holder = f"pid {pid}" if pid else "a process that has not written its pid yet"
            raise UserError(f"{directory} is in use by another llmhpo run ({holder}); wait for it to finish, "
                            "or write to another --out") from None
        previous = _read_pid(fd)
        if previous and previous != os.getpid() and notes is not None:
            notes.append(f"took over the lock left by pid {previous}, which ended without releasing it (killed?)")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        os.fsync(fd)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # a cleanly finished run leaves no pid behind
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
