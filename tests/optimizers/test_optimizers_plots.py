"""The history plot is byte-for-byte deterministic, keyed by what it shows, and (revision 3) readable."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from llmhpo.harness.optimizers.history import Observation
from llmhpo.harness.optimizers.plot_rules import best_points, figure_r3, outlier_labels, ties, y_axis
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


# -- revision 3: the rules of plot_rules.py, on data ------------------------------------------------

AUSTRALIAN = [0.1324, 0.1280, 0.4300, 0.1324, 0.1310, 0.1350]  # one bad point stretched revision 2's axis


def test_one_outlier_no_longer_stretches_the_axis() -> None:
    axis = y_axis(AUSTRALIAN)
    assert not axis.log and axis.cap == 0.135 and axis.is_outlier(0.43)
    assert not any(axis.is_outlier(x) for x in AUSTRALIAN if x != 0.43)
    assert axis.lo < 0.128 and axis.cap < axis.edge < axis.hi < 0.16  # 0.128 vs 0.132 is 10% of the axis
    assert axis.place(0.43) == axis.edge and axis.place(0.131) == 0.131
    assert (0.132 - 0.128) / (axis.hi - axis.lo) > 0.1


def test_wide_losses_use_a_log_axis_and_few_or_equal_ones_a_plain_one() -> None:
    wide = y_axis([2.4, 3.3, 97.4, 19.7, 9.8])
    assert wide.log and wide.cap is None and wide.lo < 2.4 and wide.hi > 97.4
    two = y_axis([0.1, 0.9])  # too few points to call one an outlier
    assert two.cap is None and two.lo < 0.1 and two.hi > 0.9
    flat = y_axis([0.5] * 4)
    assert flat.cap is None and flat.lo < 0.5 < flat.hi
    assert y_axis([]) == y_axis([float("nan")])
    best = y_axis([0.01, 0.2, 0.21, 0.22, 0.2])  # a very good loss is the point of the plot, never an outlier
    assert best.lo < 0.01 and best.cap is None


def test_ties_are_counted_and_outliers_at_one_place_share_a_label() -> None:
    assert ties([1, 1, 2, 1], [0.3, 0.3, 0.3, 0.4]) == {(1, 0.3): 2}
    assert ties([1, 2], [0.3, 0.3]) == {}
    assert outlier_labels(["tanh", "tanh", "relu"], [0.9, 1.0, 0.95]) == {"tanh": "1, 0.9", "relu": "0.95"}
    assert best_points([0.3, 0.1, 0.1, 0.2, 0.5]) == [1, 3, 0]


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_revision_3_figure_keeps_every_marker_inside_and_shows_ties_outliers_and_best_values() -> None:
    branin_like = SearchSpace([Float("x1", -5.0, 10.0), Float("x2", 0.0, 15.0)])
    configs = [{"x1": 1.0, "x2": 2.0}, {"x1": -5.0, "x2": 15.0}, {"x1": 10.0, "x2": 0.0}, {"x1": 1.0, "x2": 2.0},
               {"x1": 3.0, "x2": 4.0}, {"x1": 2.0, "x2": 5.0}]
    history = [Observation(c, x) for c, x in zip(configs, AUSTRALIAN, strict=True)]
    plain, labelled = figure_r3(history, branin_like), figure_r3(history, branin_like, annotate=True)
    for fig in (plain, labelled):
        for ax in fig.axes[:3]:
            (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
            for collection in ax.collections:
                for x, y in collection.get_offsets():
                    assert x0 < x < x1 and y0 < y < y1, (ax.get_xlabel(), x, y)
            assert "0.43" in _texts(ax)  # the outlier's value, on the edge row of every panel
        for ax in fig.axes[1:3]:
            assert "x2" in _texts(ax)  # trials 1 and 4: one config, one loss, drawn once with a count
    assert {"0.128", "0.131", "0.1324"} <= set(_texts(labelled.axes[0]))
    assert not {"0.128", "0.131", "0.1324"} & set(_texts(plain.axes[0]))  # image-only: the numbers are the axis'
    _, top = plain.axes[0].get_ylim()
    assert top < 0.16


def test_revision_2_plots_keep_their_recorded_fingerprints() -> None:
    """The image fingerprints mmllm transcripts of wire-r1 recorded: revision 2 is drawn and keyed as it was."""
    from llmhpo.harness.benchmarks import load

    fixture = Path(__file__).resolve().parents[1] / "data" / "campaigns" / "wire-r1"
    rows = [json.loads(line) for line in (fixture / "trials.jsonl").read_text().splitlines()]
    space = load("toy/branin").space
    checked = 0
    for run in ("toy-branin.mmllm-openai-gpt-4o.b6.s0", "toy-branin.mmllm-image-only-openai-gpt-4o.b6.s1"):
        trials = sorted((r for r in rows if r["run_id"] == run), key=lambda r: r["index"])
        history = [Observation(r["config"], r["loss"], crashed=r["status"] == "crashed") for r in trials]
        for line in (fixture / "transcripts" / f"{run}.jsonl").read_text().splitlines():
            record = json.loads(line)
            if record["transcript"]["image"]:
                n = record["index"]
                assert plot_fingerprint(history[:n], space, "2") == record["transcript"]["image"]
                assert plot_fingerprint(history[:n], space, "2", annotate=True) == record["transcript"]["image"]
                assert plot_fingerprint(history[:n], space, "3") != record["transcript"]["image"]
                checked += 1
    assert checked == 10


def test_revision_3_fingerprint_says_whether_best_values_are_labelled() -> None:
    assert plot_fingerprint(HISTORY, SPACE, "3") != plot_fingerprint(HISTORY, SPACE, "3", annotate=True)
    assert render(HISTORY, SPACE, "3", annotate=True).fingerprint == plot_fingerprint(HISTORY, SPACE, "3", annotate=True)
    assert render(HISTORY, SPACE, "3").data != render(HISTORY, SPACE, "3", annotate=True).data
