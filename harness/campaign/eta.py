"""Rates and ETA for the progress display, on an injected clock (tests replay a recorded campaign).

Why not `left * elapsed / done`: with LLM calls in flight trials finish in bursts, a resume
re-derives hundreds of journaled trials in seconds, and the first trials of a campaign include
start-up (the model loading, the first pool workers), so a naive rate swung from 0:02:25 to 0:30:16
in one run. The rules here:

- a phase's rate counts only NEW work (re-derived trials and samples journaled before say nothing
  about speed) and is measured from the moment the phase's first new item finished, not from the
  start, so start-up and a resume's re-derivation are excluded;
- no ETA before a warm-up: `WARMUP_ITEMS` new items and `WARMUP_S` seconds; after it the rate is the
  average over the last `RATE_WINDOW_S` seconds, long enough that one burst of finished trials
  moves it a little, short enough that the start (fast runs, first calls) leaves it after a minute;
- the ETA adds the phases still to come (the baseline after the trials) from the plan's estimate,
  marked `~`, until that phase has a measured rate of its own.

Calls per second are over a sliding window (`WINDOW_S`) of the calls answered so far, so the
figure falls to 0 only when no call has been answered for a whole window.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WARMUP_ITEMS = 5
WARMUP_S = 10.0
WINDOW_S = 60.0
RATE_WINDOW_S = 60.0


@dataclass
class PhaseRate:
    """Items per second of one phase over the last `window_s` seconds, from its first new item on."""

    clock: Callable[[], float] = time.monotonic
    window_s: float = RATE_WINDOW_S
    first: tuple[float, int] | None = None  # (time, count) when the first new item was seen
    last_count: int = 0
    samples: deque[tuple[float, int]] = field(default_factory=deque)

    def update(self, new_items: int) -> None:
        """`new_items`: items of this phase finished this session (excluding re-derived ones)."""
        now = self.clock()
        if new_items > self.last_count and self.first is None:
            self.first = (now, new_items)
        self.last_count = new_items
        if self.first is not None:
            self.samples.append((now, new_items))
            while len(self.samples) > 2 and self.samples[1][0] <= now - self.window_s:
                self.samples.popleft()

    def rate(self) -> float | None:
        """Items per second, or None during the warm-up."""
        if self.first is None:
            return None
        now = self.clock()
        t0, c0 = self.first
        if self.last_count - c0 < WARMUP_ITEMS or now - t0 < WARMUP_S:
            return None
        start_t, start_c = self.samples[0]
        if now - self.window_s > start_t:  # the window reaches back past the oldest sample kept
            start_t = now - self.window_s
        dt = now - start_t
        return (self.last_count - start_c) / dt if dt > 0 else None


@dataclass
class WindowRate:
    """Events per second over the last `window_s` seconds (a counter sampled at each update)."""

    clock: Callable[[], float] = time.monotonic
    window_s: float = WINDOW_S
    samples: deque[tuple[float, int]] = field(default_factory=deque)

    def update(self, count: int) -> None:
        now = self.clock()
        self.samples.append((now, count))
        while len(self.samples) > 2 and self.samples[1][0] <= now - self.window_s:
            self.samples.popleft()

    def rate(self) -> float | None:
        if len(self.samples) < 2:
            return None
        (t0, c0), (t1, c1) = self.samples[0], self.samples[-1]
        return (c1 - c0) / (t1 - t0) if t1 > t0 else None


@dataclass
class Eta:
    """The campaign's ETA: the current phase at its measured rate, later phases at the plan's estimate."""

    clock: Callable[[], float] = time.monotonic
    rates: dict[str, PhaseRate] = field(default_factory=dict)

    def rate(self, phase: str) -> PhaseRate:
        if phase not in self.rates:
            self.rates[phase] = PhaseRate(self.clock)
        return self.rates[phase]

    def seconds(self, phase: str, left: int, later_s: float | None) -> tuple[float | None, bool]:
        """(seconds left, estimated): None while warming up; `estimated` when a later phase's plan
        estimate is part of it."""
        if left <= 0:
            return (later_s or 0.0, bool(later_s))
        rate = self.rate(phase).rate()
        if rate is None or rate <= 0:
            return None, False
        return left / rate + (later_s or 0.0), bool(later_s)


def clock(seconds: float) -> str:
    """H:MM:SS."""
    seconds = int(max(0, round(seconds)))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
