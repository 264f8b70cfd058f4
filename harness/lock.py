"""One writer per directory: an exclusive lock on `<directory>/.lock`.

Why: two `llmhpo run` into the same --out would both resume from the same journal and append the
same (run, index) rows; two `llmhpo hpobench setup` on one home would pip-install into the same venv
at once. The lock is an `fcntl.flock` on a file that also holds the owner's pid (so
the second run can name it). The kernel releases a flock when its process dies, even by kill -9,
so a stale lock left by a killed run is simply taken over; the pid it left behind is reported as a
note. Nothing here is a polling or timeout heuristic that could let two writers in.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from llmhpo.harness.errors import UserError

LOCK = ".lock"


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
        return int(text.split()[0]) if text else None
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def exclusive_lock(directory: Path, *, busy: str | None, notes: list[str] | None = None,
                   on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of `directory` (which must exist). When another process holds it:
    with `busy` (a message with a `{holder}` field) raise UserError at once; with `busy=None` wait
    for it (after telling `on_wait` who holds it)."""
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
            if busy is not None:
                raise UserError(busy.replace("{holder}", holder)) from None
            if on_wait is not None:
                on_wait(holder)
            fcntl.flock(fd, fcntl.LOCK_EX)
        previous = _read_pid(fd)
        if previous and previous != os.getpid() and notes is not None:
            notes.append(f"took over the lock left by pid {previous}, which ended without releasing it (killed?)")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        os.fsync(fd)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # a cleanly finished holder leaves no pid behind
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def campaign_lock(directory: Path, notes: list[str] | None = None) -> AbstractContextManager[None]:
    """One writer per campaign directory; a second run fails at once, naming the holder."""
    return exclusive_lock(directory, notes=notes,
                          busy=f"{directory} is in use by another llmhpo run ({{holder}}); wait for it to finish, "
                               "or write to another --out")
