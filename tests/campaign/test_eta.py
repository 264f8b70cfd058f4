"""The ETA on a recorded campaign, replayed on its own clock (no sleeps).

The recording (scripts/record_progress.py) is a real campaign against the delay wire server: 320
LLM trials, 4 calls in flight, stopped after 60 trials and resumed (the resume re-derives them in a
burst), then 600 baseline samples. Lines every second, as a terminal shows them.
"""

from __future__ import annotations

import json
from pathlib import Path

from llmhpo.harness.campaign.progress import Figures
from llmhpo.harness.campaign.recording import Stats

RECORDING = Path(__file__).parent / "data" / "progress_recording.json"


class ReplayedClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _seconds(text: str) -> float | None:
    if text in ("warming up", "-"):
        return None
    h, m, s = text.lstrip("~").split(":")
    return int(h) * 3600 + int(m) * 60 + int(s)


def _replay(events: list[dict], every_s: float = 1.0) -> list[tuple[float, float | None, str]]:
    """(time, ETA shown, phase) per line."""
    clock, stats = ReplayedClock(), Stats()
    figures = Figures(clock)
    lines, i, t = [], 0, 0.0
    while t <= events[-1]["t"] + every_s:
        while i < len(events) and events[i]["t"] <= t:
            for key, value in events[i].items():
                if key != "t":
                    setattr(stats, key, value)
            clock.t = events[i]["t"]
            figures.observe(stats)
            i += 1
        clock.t = t
        lines.append((t, _seconds(figures.describe(stats)["eta"]), stats.phase))
        t += every_s
    return lines


def _trials_end(events: list[dict]) -> float:
    return next(e["t"] for e in events if e["done"] == e["total"] and e["total"])


def test_eta_is_steady_and_close_on_a_recorded_campaign():
    sessions = json.loads(RECORDING.read_text())["sessions"]
    resumed = sessions[1]
    assert resumed[0]["rederived"] >= 1 and max(e["rederived"] for e in resumed) == 60  # a real resume burst
    end = _trials_end(resumed)
    lines = [line for line in _replay(resumed) if line[2] == "trials" and line[0] < end]
    assert lines[0][1] is None  # before the first update: no ETA, not 0:00:00
    shown = [(t, eta) for t, eta, _ in lines if eta is not None]
    assert len(shown) >= 20 and shown[0][0] <= 15  # warmed up after ~10 s, then an ETA on every line
    for (t0, a), (t1, b) in zip(shown, shown[1:], strict=False):
        expected = a - (t1 - t0)  # a steady countdown
        if expected >= 5:
            assert 0.5 <= b / expected <= 2, (t0, a, t1, b)
    for t, eta in shown:  # and it tells the truth: within a factor 2 of the time the trials really took
        left = end - t
        if left >= 5:
            assert 0.5 <= eta / left <= 2, (t, eta, left)


def test_baseline_phase_gets_its_own_eta_after_the_trials():
    resumed = json.loads(RECORDING.read_text())["sessions"][1]
    lines = _replay(resumed, every_s=0.25)
    assert {phase for *_, phase in lines} == {"trials", "baseline"}
    baseline = [eta for _, eta, phase in lines if phase == "baseline"]
    assert baseline[-1] == 0  # done: ETA 0 only when the last phase is finished
