"""Campaign progress on stderr: a rich bar in a terminal, a plain line every few seconds elsewhere.

Why a ticker thread: with LLM calls in flight a campaign can go many seconds without finishing a
trial, and a CI log that stays silent for minutes looks hung. The driver only hands over its live
`Stats`; the ticker renders them on its own clock (calls in flight change between trials).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

PLAIN_EVERY_S = 5.0
RICH_EVERY_S = 0.5


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def describe(stats: Any, elapsed_s: float) -> dict[str, str]:
    """The figures shown: LLM calls in flight, calls/s, cache hit rate (LLM + evaluations), ETA."""
    lookups = stats.eval_lookups + stats.llm_calls
    hits = stats.eval_hits + stats.llm_hits
    new = max(0, stats.done - stats.rederived)  # re-derived trials are instant: they say nothing about speed
    left = max(0, stats.total - stats.done)
    eta = _clock(left * elapsed_s / new) if new and left else ("0:00:00" if not left else "-")
    return {
        "in_flight": str(stats.asking),
        "calls_per_s": f"{stats.llm_calls / elapsed_s:.1f}" if elapsed_s > 0 else "-",
        "hit_rate": f"{100 * hits / lookups:.0f}%" if lookups else "-",
        "failed": str(stats.crashed),
        "cost": f"${stats.cost_usd:.4f}",
        "eta": eta,
    }


def plain_line(stats: Any, elapsed_s: float) -> str:
    d = describe(stats, elapsed_s)
    return (f"trials {stats.done}/{max(stats.total, stats.done)} | LLM calls in flight {d['in_flight']}, "
            f"{d['calls_per_s']}/s | cache hits {d['hit_rate']} | failed {d['failed']} | LLM {d['cost']} | "
            f"elapsed {_clock(elapsed_s)} | ETA {d['eta']}")


class CampaignProgress:
    """`with CampaignProgress(total) as p: run_campaign(..., on_progress=p.update)`."""

    def __init__(self, total: int, *, stream: TextIO | None = None, every_s: float | None = None,
                 terminal: bool | None = None) -> None:
        from rich.console import Console

        self.stream = stream or sys.stderr
        self.console = Console(file=self.stream)
        self.terminal = self.console.is_terminal if terminal is None else terminal
        self.every_s = every_s or (RICH_EVERY_S if self.terminal else PLAIN_EVERY_S)
        self.total = total
        self._stats: Any = None
        self._start = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._tick, daemon=True, name="llmhpo-progress")
        self._bar: Any = None
        self._task: Any = None

    def update(self, stats: Any) -> None:
        """The driver's callback: keep the live Stats; the bar refreshes at once, lines on the clock."""
        self._stats = stats
        if self._bar is not None:
            self._render()

    def _render(self) -> None:
        stats = self._stats
        if stats is None:
            return
        with self._lock:
            elapsed = time.monotonic() - self._start
            if self._bar is None:
                print(plain_line(stats, elapsed), file=self.stream, flush=True)
                return
            d = describe(stats, elapsed)
            info = (f"in flight {d['in_flight']} | {d['calls_per_s']} calls/s | cache hits {d['hit_rate']} | "
                    f"failed {d['failed']} | LLM {d['cost']} | ETA {d['eta']}")
            self._bar.update(self._task, completed=stats.done, total=max(stats.total, stats.done), info=info)

    def _tick(self) -> None:
        while not self._stop.wait(self.every_s):
            self._render()

    def __enter__(self) -> CampaignProgress:
        if self.terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("[bold]trials"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[info]}"), console=self.console, transient=False)
            self._task = self._bar.add_task("trials", total=self.total, info="")
            self._bar.__enter__()
        self._start = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self._bar is not None:
            self._render()
            self._bar.__exit__(*exc)
        elif self._stats is not None and exc[0] is None:
            self._render()  # the final figures, once
