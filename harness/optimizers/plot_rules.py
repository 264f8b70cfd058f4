"""Plots revision 3: the history figure made readable for a vision model (issue #26).

What revision 2 got wrong, as the models that read it said: one bad loss stretched the y-axis so
close losses could not be told apart, points at the top edge were clipped, tied points overdrew
each other, and the numbers were only on the axis. The rules, each a function tested on data:
- `y_axis`: log scale when the losses span more than LOG_RATIO; otherwise a robust range up to
  Tukey's upper fence, and every loss above it is drawn on a row at the top edge, marked with a
  triangle and labelled with its value (best losses are never outliers: the axis starts at the minimum);
- every marker lies inside the axes (padding, and clip_on=False as a guard);
- `ties`: points at the same place in a panel are drawn once with a count ("x3");
- `best_points`: with `annotate` (mmllm, not the image-only ablation) the BEST_LABELS lowest losses
  carry their values.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llmhpo.harness.optimizers.history import Observation, best_so_far
from llmhpo.harness.space import SearchSpace

PANEL_INCHES = (3.6, 3.2)
MAX_COLUMNS = 3
LOG_RATIO = 10.0  # max/min above which the loss axis is logarithmic (an order of magnitude)
FENCE = 1.5  # Tukey: an outlier lies above Q3 + FENCE * IQR
MIN_POINTS_FOR_OUTLIERS = 4  # fewer points say nothing about what is typical
PAD = 0.08  # share of the axis left free above and below the points
BEST_LABELS = 3
MARKER = 22  # scatter size (points^2)


@dataclass(frozen=True)
class YAxis:
    """The loss axis: its limits, scale, and `cap`, above which losses are drawn at `edge` (None: no outliers)."""

    lo: float
    hi: float
    log: bool = False
    cap: float | None = None
    edge: float | None = None

    def place(self, loss: float) -> float:
        """Where a loss is drawn: itself, or the top edge when it is above the cap."""
        return self.edge if self.cap is not None and self.edge is not None and loss > self.cap else loss

    def is_outlier(self, loss: float) -> bool:
        return self.cap is not None and loss > self.cap


def y_axis(losses: Sequence[float]) -> YAxis:
    """The loss axis for these losses (see the module docstring)."""
    import numpy as np

    finite = sorted(x for x in losses if math.isfinite(x))
    if not finite:
        return YAxis(0.0, 1.0)
    lo, hi = finite[0], finite[-1]
    if lo > 0 and hi / lo > LOG_RATIO:
        factor = (hi / lo) ** PAD
        return YAxis(lo / factor, hi * factor, log=True)
    cap = None
    if len(finite) >= MIN_POINTS_FOR_OUTLIERS:
        q1, q3 = (float(v) for v in np.percentile(finite, [25, 75]))
        fence = q3 + FENCE * (q3 - q1)
        if hi > fence:
            cap = max(x for x in finite if x <= fence)  # the largest typical loss
    top = cap if cap is not None else hi
    span = top - lo or (abs(top) * 0.1 or 1.0)
    pad = PAD * span
    if cap is None:
        return YAxis(lo - pad, top + pad)
    edge = top + 2 * pad  # the outliers' row, clear of the typical points
    return YAxis(lo - pad, edge + pad, cap=cap, edge=edge)


def ties(xs: Sequence[Any], losses: Sequence[float]) -> dict[tuple[Any, float], int]:
    """(x, loss) -> how many points share it, for places holding more than one point."""
    counts = Counter(zip(xs, losses, strict=True))
    return {place: n for place, n in counts.items() if n > 1}


def outlier_labels(xs: Sequence[Any], losses: Sequence[float], most: int = 3) -> dict[Any, str]:
    """x -> the values of the outliers drawn there, highest first ("1, 0.9"): one label per place on the edge row."""
    by_x: dict[Any, list[float]] = {}
    for x, loss in zip(xs, losses, strict=True):
        by_x.setdefault(x, []).append(loss)
    out = {}
    for x, values in by_x.items():
        shown = sorted(set(values), reverse=True)
        out[x] = ", ".join(label(v) for v in shown[:most]) + (", ..." if len(shown) > most else "")
    return out


def best_points(losses: Sequence[float], n: int = BEST_LABELS) -> list[int]:
    """Indices of the n lowest finite losses (the first of equal ones), best first."""
    order = sorted((x, i) for i, x in enumerate(losses) if math.isfinite(x))
    seen, out = set(), []
    for x, i in order:
        if x not in seen:
            seen.add(x)
            out.append(i)
    return out[:n]


def label(loss: float) -> str:
    return f"{loss:.4g}"


def _scatter(ax: Any, xs: Sequence[Any], losses: Sequence[float], axis: YAxis, its: list[int], norm: Any) -> Any:
    """Points (typical ones as dots coloured by iteration, outliers as triangles at the top edge with their values)."""
    typical = [i for i, x in enumerate(losses) if not axis.is_outlier(x)]
    high = [i for i, x in enumerate(losses) if axis.is_outlier(x)]
    mappable = ax.scatter([xs[i] for i in typical], [losses[i] for i in typical], s=MARKER, c=[its[i] for i in typical],
                          cmap="viridis", norm=norm, clip_on=False, zorder=3)
    if high:
        ax.scatter([xs[i] for i in high], [axis.place(losses[i]) for i in high], s=MARKER * 1.6, marker="^",
                   c=[its[i] for i in high], cmap="viridis", norm=norm, edgecolors="black", linewidths=0.6,
                   clip_on=False, zorder=3, label=f"loss above {label(axis.cap or 0.0)} (value shown)")
        for x, values in outlier_labels([xs[i] for i in high], [losses[i] for i in high]).items():
            ax.annotate(values, (x, axis.edge), xytext=(4, -3), textcoords="offset points", fontsize=7,
                        annotation_clip=False)
    for (x, loss), n in sorted(ties(xs, losses).items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        ax.annotate(f"x{n}", (x, axis.place(loss)), xytext=(4, 3), textcoords="offset points", fontsize=7,
                    fontweight="bold", color="tab:purple", annotation_clip=False)
    return mappable


def _y(ax: Any, axis: YAxis) -> None:
    if axis.log:  # ticks at 1, 2, 5 per decade written as plain numbers: decades alone are hard to read off
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(axis.lo, axis.hi)
    if axis.cap is not None and axis.edge is not None:
        ax.axhline((axis.cap + axis.edge) / 2, color="grey", linewidth=0.6, linestyle=":")
    ax.set_ylabel("validation loss")


def figure_r3(history: Sequence[Observation], space: SearchSpace, *, annotate: bool = False) -> Any:
    """Loss per iteration (best so far, incumbent, crashes) and loss against each hyperparameter,
    on one robust loss axis; `annotate` labels the best losses with their values."""
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure  # no pyplot: no global backend state, thread-safe

    n_panels = 1 + len(space.params)
    cols = min(MAX_COLUMNS, n_panels)
    rows = math.ceil(n_panels / cols)
    fig = Figure(figsize=(PANEL_INCHES[0] * cols + 0.6, PANEL_INCHES[1] * rows), dpi=72)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    losses = [o.loss for o in history]
    its = list(range(1, len(history) + 1))
    axis = y_axis(losses)
    norm = Normalize(vmin=1, vmax=max(len(history), 2))
    best = best_points(losses, 1)[0] if best_points(losses, 1) else None
    mappable = None

    ax = axes[0]
    if history:
        mappable = _scatter(ax, its, losses, axis, its, norm)
        trace = [axis.place(x) for x in best_so_far(losses)]
        ax.plot(its, trace, "-", color="tab:orange", drawstyle="steps-post", label="best so far", zorder=2)
    if best is not None:
        ax.plot([best + 1], [losses[best]], "*", color="red", markersize=11, label="incumbent", clip_on=False, zorder=4)
    crashed = [(i, axis.place(o.loss)) for i, o in zip(its, history, strict=True) if o.crashed]
    if crashed:
        ax.plot(*zip(*crashed, strict=True), "x", color="tab:red", label="crashed", clip_on=False, zorder=4)
    if annotate:
        for i in best_points(losses):
            ax.annotate(label(losses[i]), (i + 1, losses[i]), xytext=(6, -11), textcoords="offset points", fontsize=7,
                        color="darkred", annotation_clip=False, zorder=5,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})
    iteration_axis(ax, len(history))
    ax.set_title("loss per iteration" + (" (best values labelled)" if annotate and history else ""), fontsize=9)
    _y(ax, axis)
    if history:  # below the panel: a legend inside would hide points
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, frameon=False)

    for ax, p in zip(axes[1:], space.params, strict=False):
        xs = p.plot_axis(ax, [o.config[p.name] for o in history])
        if history:
            _scatter(ax, xs, losses, axis, its, norm)
        if best is not None:
            ax.plot([xs[best]], [losses[best]], "*", color="red", markersize=11, clip_on=False, zorder=4)
        ax.set_xlabel(p.name)
        _y(ax, axis)
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    right = 1 - 0.75 / fig.get_figwidth()
    fig.subplots_adjust(left=0.08, right=right - 0.02, bottom=0.36 / rows, top=1 - 0.1 / rows, wspace=0.38, hspace=0.8)
    iteration_colorbar(fig, mappable, right)
    return fig


def iteration_axis(ax: Any, n: int) -> None:
    """The x axis of the loss-per-iteration panel: integer ticks (every one up to 12 iterations), every
    plots revision the same."""
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("iteration")
    if n <= 12:
        ax.set_xticks(range(1, max(n, 1) + 1))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0.5, max(n, 1) + 0.5)


def iteration_colorbar(fig: Any, mappable: Any, right: float) -> None:
    """The colour bar saying a point's colour is its iteration (integer ticks), right of the panels;
    every plots revision draws it the same way."""
    from matplotlib.ticker import MaxNLocator

    if mappable is None:
        return
    cax = fig.add_axes((right, 0.15, 0.012, 0.7))
    bar = fig.colorbar(mappable, cax=cax)
    bar.set_label("iteration (colour of the points)", fontsize=8)
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
