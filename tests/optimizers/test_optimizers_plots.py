"""The history plot is byte-for-byte deterministic and keyed by what it shows."""

from __future__ import annotations

import dataclasses

from llmhpo.harness.optimizers.history import Observation
from llmhpo.harness.optimizers.plots import PLOT_VERSION, plot_fingerprint, render
from llmhpo.harness.space import Categorical, Float, Int, SearchSpace

SPACE = SearchSpace([Float("lr", 1e-5, 1.0, log=True), Int("depth", 1, 8), Categorical("act", ("relu", "tanh"))])
HISTORY = [
    Observation({"lr": 1e-3, "depth": 3, "act": "relu"}, 0.31),
    Observation({"lr": 1e-1, "depth": 8, "act": "tanh"}, 0.52, crashed=True),
    Observation({"lr": 3e-4, "depth": 2, "act": "relu"}, 0.27),
]


def test_same_history_same_png_and_fingerprint() -> None:
    a, b = render(HISTORY, SPACE), render(list(HISTORY), SPACE)
    assert a.data == b.data
    assert a.fingerprint == b.fingerprint == plot_fingerprint(HISTORY, SPACE)
    assert a.data.startswith(b"\x89PNG") and a.mime == "image/png"


def test_no_software_or_time_metadata() -> None:
    data = render(HISTORY, SPACE).data
    assert b"Software" not in data and b"matplotlib" not in data.lower()
    assert b"tIME" not in data


def test_changing_one_loss_changes_bytes_and_fingerprint() -> None:
    changed = [*HISTORY[:2], dataclasses.replace(HISTORY[2], loss=0.2)]
    a, b = render(HISTORY, SPACE), render(changed, SPACE)
    assert a.data != b.data
    assert a.fingerprint != b.fingerprint


def test_fingerprint_tracks_configs_crashes_and_version(monkeypatch) -> None:
    base = plot_fingerprint(HISTORY, SPACE)
    moved = [dataclasses.replace(HISTORY[0], config={"lr": 2e-3, "depth": 3, "act": "relu"}), *HISTORY[1:]]
    assert plot_fingerprint(moved, SPACE) != base
    uncrashed = [HISTORY[0], dataclasses.replace(HISTORY[1], crashed=False), HISTORY[2]]
    assert plot_fingerprint(uncrashed, SPACE) != base
    monkeypatch.setattr("llmhpo.harness.optimizers.plots.PLOT_VERSION", PLOT_VERSION + "-next")
    assert plot_fingerprint(HISTORY, SPACE) != base


def test_renders_an_empty_history() -> None:
    assert render([], SPACE).data.startswith(b"\x89PNG")


def test_plot_is_readable_on_its_own() -> None:
    """Integer iteration ticks (one point gave 0.96-1.04 before), a colour bar saying the colour is
    the iteration, and the incumbent marked in every panel; PLOT_VERSION moved with the change."""
    from llmhpo.harness.benchmarks import load
    from llmhpo.harness.optimizers import plots
    from llmhpo.harness.optimizers.plots import figure

    branin = load("toy/branin")

    assert plots.PLOT_VERSION != "1"
    one = figure([Observation({"x1": 1.0, "x2": 2.0}, 3.0)], branin.space)
    assert list(one.axes[0].get_xticks()) == [1]
    history = [Observation({"x1": float(i - 4), "x2": float(i)}, loss) for i, loss in enumerate([5.0, 2.0, 4.0, 1.5, 3.0])]
    fig = figure(history, branin.space)
    ticks = fig.axes[0].get_xticks()
    assert list(ticks) == [1, 2, 3, 4, 5]
    bars = [ax for ax in fig.axes if "iteration" in ax.get_ylabel() and ax not in fig.axes[:3]]
    assert len(bars) == 1 and "colour" in bars[0].get_ylabel()
    for ax, x in zip(fig.axes[:3], (4, -1.0, 3.0), strict=True):  # the incumbent is trial 4: x1 = -1, x2 = 3
        stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
        assert len(stars) == 1 and list(stars[0].get_xdata()) == [x] and list(stars[0].get_ydata()) == [1.5]
