"""Stopping a campaign on Ctrl-C (SIGINT) or SIGTERM within seconds, with the journal intact.

Why a module of its own: a stop touches the scheduler (no new ask or evaluation), the baseline (no
new sample), the executor (workers terminated) and the CLI (exit code, abandoned threads), and each
must agree on one flag. The rules:

- first signal: `Stop.requested` becomes true; nothing new starts. If the driver thread is inside
  an *interruptible* section (an optimizer's ask, a serial evaluation, a tell that calls the LLM)
  the section is abandoned at once by raising `Abandoned`: its trial is not journaled, so a resume
  asks it again (an LLM reply that did arrive may be cached and then costs nothing). Work that
  finished is journaled by the driver as usual. A tell of a finished trial that runs after the
  signal gets `GRACE_S` seconds, then is abandoned the same way (a watchdog signals the thread).
- second signal: `hard_exit()` — the CLI passes `os._exit(130)`: the journal is append-only and
  fsynced per line, so exiting at once loses nothing journaled (the same as a SIGKILL, which the
  fault suite covers); in-process callers get a KeyboardInterrupt.

Handlers are installed only from the main thread (signals are delivered there), and restored after.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

GRACE_S = 2.0  # a tell still running this long after the signal is abandoned
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Abandoned(KeyboardInterrupt):
    """Raised on the driver thread inside an interruptible section when the campaign stops."""


def _raise_interrupt() -> None:
    raise KeyboardInterrupt


class Stop:
    """One campaign's stop flag, shared by the driver, the baseline and the CLI."""

    def __init__(self, hard_exit: Callable[[], None] = _raise_interrupt) -> None:
        self.hard_exit = hard_exit
        self.event = threading.Event()
        self.signal_name: str | None = None
        self.at: float | None = None
        self._depth = 0  # interruptible sections open on the main thread
        self._installed = 0
        self._previous: dict[int, Any] = {}
        self._watchdog_fired = False

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def request(self, reason: str = "stop") -> None:
        """Stop (a signal, or a caller); the driver and the baseline see `requested` and wind down."""
        if self.event.is_set():
            return
        self.signal_name, self.at = reason, time.monotonic()
        self.event.set()

    # -- signal handlers ---------------------------------------------------------------------------
    def _handler(self, signum: int, frame: Any) -> None:
        if self._watchdog_fired:  # our own nudge: abandon the section that outlived its grace
            self._watchdog_fired = False
            if self._depth:
                raise Abandoned
            return
        if self.requested:
            self.hard_exit()
            return
        self.request(signal.Signals(signum).name)
        if self._depth:
            raise Abandoned

    @contextlib.contextmanager
    def installed(self) -> Iterator[Stop]:
        """SIGINT and SIGTERM handled by this Stop while inside (re-entrant; a no-op off the main thread)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        if not self._installed:
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handler)
        self._installed += 1
        try:
            yield self
        finally:
            self._installed -= 1
            if not self._installed:
                for sig, previous in self._previous.items():
                    signal.signal(sig, previous)
                self._previous.clear()

    # -- interruptible sections ----------------------------------------------------------------------
    @contextlib.contextmanager
    def interruptible(self, *, starts_work: bool) -> Iterator[None]:
        """A section of the driver thread that a stop abandons (raises `Abandoned`).

        starts_work: the section begins something new (an ask, an evaluation): after a stop it is
        not begun at all. Otherwise (telling a finished trial) it may run for `GRACE_S` more seconds.
        """
        main = threading.current_thread() is threading.main_thread()
        if self.requested:
            if starts_work:
                raise Abandoned
            if main and self._installed:
                self._arm_watchdog()
        if not main:
            yield
            return
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def _arm_watchdog(self) -> None:
        """Nudge the main thread (a real signal interrupts a blocking socket read) after the grace."""
        left = max(0.0, (self.at or time.monotonic()) + GRACE_S - time.monotonic())
        target = threading.main_thread().ident

        def nudge() -> None:
            if self._depth and target is not None:
                self._watchdog_fired = True
                signal.pthread_kill(target, signal.SIGINT)

        timer = threading.Timer(left, nudge)
        timer.daemon = True
        timer.start()
