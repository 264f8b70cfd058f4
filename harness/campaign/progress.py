"""Campaign progress on stderr: a rich bar in a terminal, a plain line every few seconds elsewhere.

Why a ticker thread: with LLM calls in flight a campaign can go many seconds without finishing a
trial, and a CI log that stays silent for minutes looks hung. The driver only hands over its live
`Stats`; the ticker renders them on its own clock (calls in flight change between trials).

Why phases: after the trials a campaign may evaluate a thousand baseline samples, then (demo) build
its report; each phase is named with its own count and rate, so the display never sits at
"trials 120/120, ETA 0:00:00" for minutes. The first line is the plan (harness.campaign.plan), the same
estimate `llmhpo run --dry-run` prints. Rates and the ETA: harness.campaign.eta.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from llmhpo.harness.campaign.eta import Eta, WindowRate, clock

PLAIN_EVERY_S = 5.0
RICH_EVERY_S = 0.5

__all__ = ["CampaignProgress", "Figures", "clock", "cost_text"]


def cost_text(stats: Any) -> str:
    """LLM cost so far: unknown when any call is unpriced (never a made-up $0.0000)."""
    if stats.unpriced and not stats.cost_usd:
        return "unknown (unpriced model)"
    if stats.unpriced:
        return f">= ${stats.cost_usd:.4f} (+ {stats.unpriced} trial(s) with unpriced calls)"
    if not stats.llm_calls:
        return "none (no LLM calls)"
    return f"${stats.cost_usd:.4f}"


def _per(rate: float | None) -> str:
    if rate is None:
        return "-"
    return f"{rate:.1f}/s" if rate >= 1 else f"{rate * 60:.1f}/min"


class Figures:
    """What a progress line shows, from the driver's Stats at the clock's `now` (injectable)."""

    def __init__(self, clock_fn: Callable[[], float] = time.monotonic, *, baseline_s: float | None = None) -> None:
        self.clock = clock_fn
        self.start = clock_fn()
        self.eta = Eta(clock_fn)
        self.calls = WindowRate(clock_fn)
        self.baseline_s = baseline_s  # the plan's estimate of the baseline phase, until it is measured
        self._baseline_first: int | None = None

    def observe(self, stats: Any) -> None:
        """Feed the rates (called on every update and tick)."""
        self.calls.update(stats.calls_answered)
        self.eta.rate("trials").update(max(0, stats.done - stats.rederived))
        if stats.phase == "baseline":
            if self._baseline_first is None:
                self._baseline_first = stats.baseline_done  # journaled before this session: not new work
            self.eta.rate("baseline").update(stats.baseline_done - self._baseline_first)

    def describe(self, stats: Any) -> dict[str, str]:
        self.observe(stats)
        lookups = stats.eval_lookups + stats.llm_calls
        hits = stats.eval_hits + stats.llm_hits
        total = max(stats.total, stats.done)
        if stats.phase == "baseline":
            left = stats.baseline_total - stats.baseline_done
            seconds, estimated = self.eta.seconds("baseline", left, None)
            rate = _per(self.eta.rate("baseline").rate())
            phase = f"phase baseline {stats.baseline_done}/{stats.baseline_total} ({rate}) | trials {stats.done}/{total} done"
        else:
            later = self.baseline_s if stats.baseline_total or self.baseline_s else None
            seconds, estimated = (self.eta.seconds("trials", total - stats.done, later) if total
                                  else (None, False))  # nothing counted yet: no ETA rather than 0:00:00
            rate = _per(self.eta.rate("trials").rate())
            phase = f"phase trials {stats.done}/{total} ({rate})"
        failures = f"{stats.crashed} trial(s)" + (f", {stats.llm_failures} LLM call(s)" if stats.llm_failures else "")
        return {
            "phase": phase,
            "rate": rate,  # of the current phase
            "in_flight": str(stats.asking),
            "calls_per_s": _per(self.calls.rate()),
            "hit_rate": f"{100 * hits / lookups:.0f}%" if lookups else "-",
            "failed": failures,
            "cost": cost_text(stats),
            "elapsed": clock(self.clock() - self.start),
            "eta": "warming up" if seconds is None else ("~" if estimated else "") + clock(seconds),
        }

    def line(self, stats: Any) -> str:
        d = self.describe(stats)
        return (f"{d['phase']} | LLM calls in flight {d['in_flight']}, {d['calls_per_s']} | cache hits {d['hit_rate']} "
                f"| failed {d['failed']} | LLM cost {d['cost']} | elapsed {d['elapsed']} | ETA {d['eta']}")


class CampaignProgress:
    """`with CampaignProgress(total, plan=plan) as p: run_campaign(..., on_progress=p.update)`."""

    def __init__(self, total: int, *, stream: TextIO | None = None, every_s: float | None = None,
                 terminal: bool | None = None, plan: Any = None) -> None:
        from rich.console import Console

        self.stream = stream or sys.stderr
        self.console = Console(file=self.stream)
        self.terminal = self.console.is_terminal if terminal is None else terminal
        self.every_s = every_s or (RICH_EVERY_S if self.terminal else PLAIN_EVERY_S)
        self.total = total
        self.plan = plan
        self.figures = Figures(baseline_s=getattr(plan, "baseline_s", None))
        self._stats: Any = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._tick, daemon=True, name="llmhpo-progress")
        self._bar: Any = None
        self._task: Any = None
        self._phase = "trials"
        self._announced = False

    def update(self, stats: Any) -> None:
        """The driver's callback: keep the live Stats; the bar refreshes at once, lines on the clock."""
        self._stats = stats
        self._announce()
        if self._bar is not None:
            self._render()

    def _render(self) -> None:
        stats = self._stats
        if stats is None:
            return
        with self._lock:
            if self._bar is None:
                print(self.figures.line(stats), file=self.stream, flush=True)
                return
            d = self.figures.describe(stats)
            if stats.phase != self._phase:  # a new phase gets a bar of its own; the trials' bar stays, done
                self._bar.update(self._task, completed=stats.done, total=max(stats.total, stats.done),
                                 info=f"done | failed {d['failed']} | LLM {d['cost']}")
                self._phase = stats.phase
                self._task = self._bar.add_task(stats.phase, total=stats.baseline_total, info="")
            done, total = ((stats.baseline_done, stats.baseline_total) if stats.phase == "baseline"
                           else (stats.done, max(stats.total, stats.done)))
            info = (f"{d['rate']} | in flight {d['in_flight']} | {d['calls_per_s']} calls "
                    f"| cache hits {d['hit_rate']} | failed {d['failed']} | LLM {d['cost']} | ETA {d['eta']}")
            self._bar.update(self._task, completed=done, total=total, info=info)

    def _tick(self) -> None:
        while not self._stop.wait(self.every_s):
            self._render()

    def _announce(self) -> None:
        """The plan, once, as the first line (at the first update: after the campaign's checks passed,
        so bad input still prints one line only)."""
        if self.plan is not None and not self._announced:
            self._announced = True
            (self._bar.console.print if self._bar is not None else
             lambda text: print(text, file=self.stream, flush=True))(f"plan: {self.plan.headline()}")

    def __enter__(self) -> CampaignProgress:
        if self.terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[info]}"), console=self.console, transient=False)
            self._task = self._bar.add_task("trials", total=self.total, info="")
            self._bar.__enter__()
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


def report_phase(stream: TextIO | None = None) -> Callable[[str], None]:
    """The report phase (demo): one line when it starts and one with its time when it ends."""
    stream = stream or sys.stderr
    start = time.monotonic()
    print("phase report: building the report", file=stream, flush=True)

    def done(path: str) -> None:
        print(f"phase report: done in {clock(time.monotonic() - start)}: {path}", file=stream, flush=True)

    return done
