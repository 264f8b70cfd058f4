"""Report figures (matplotlib's object API on the Agg canvas: no pyplot state, no display needed).

Per task: best-so-far validation loss (mean and standard error over seeds) next to the final loss per
optimizer, as in the papers' figures; across tasks: a Demšar critical-difference diagram.
Each optimizer keeps one colour in every figure so the reader can match them by eye.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from llmhpo.harness.report.stats import CriticalDifference

DPI = 100


def palette(labels: list[str]) -> dict[str, tuple[float, ...]]:
    """One stable colour per optimizer label (sorted order, tab10 then tab20)."""
    cmap = matplotlib.colormaps["tab10" if len(labels) <= 10 else "tab20"]
    return {label: cmap(i % cmap.N) for i, label in enumerate(sorted(labels))}


def task_figure(
    task: str,
    curves: pd.DataFrame,
    finals: pd.DataFrame,
    random_curve: pd.DataFrame | None,
    colors: dict[str, tuple[float, ...]],
    path: Path,
) -> Path:
    """Best-so-far curves (left) and final loss bars per optimizer and budget (right) for one task.

    curves: curve_summary rows of this task (largest budget); finals: task_means rows of this task
    with a `budget` column (and `n_seeds`); random_curve: bootstrapped expected best of n random
    samples, or None.

    Read at a glance: the legend sits below both panels (never over a curve); the bars' axis is
    zoomed on the range of the final losses (0.11 vs 0.13 must be visible; the label says so and each
    bar carries its value); with a single seed there is no spread, so no band and no error bar.
    """
    draw_task_figure(task, curves, finals, random_curve, colors).savefig(path)
    return path


def draw_task_figure(task: str, curves: pd.DataFrame, finals: pd.DataFrame, random_curve: pd.DataFrame | None,
                     colors: dict[str, tuple[float, ...]]) -> Figure:
    """The Figure `task_figure` saves (tests look at its axes)."""
    spread = _has_spread(finals)
    fig = Figure(figsize=(11, 4.6), dpi=DPI)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    for label, group in curves.groupby("optimizer", sort=True):
        group = group.sort_values("step")
        x, mean, se = group["step"].to_numpy(), group["mean"].to_numpy(), group["se"].to_numpy()
        left.plot(x, mean, marker="o", markersize=3, color=colors[label], label=label)
        if spread:
            left.fill_between(x, mean - se, mean + se, color=colors[label], alpha=0.2, linewidth=0)
    if random_curve is not None and len(random_curve):
        left.plot(random_curve["step"], random_curve["mean"], "k--", linewidth=1, label="random (bootstrap)")
    left.set_title(f"{task}: best validation loss so far")
    left.set_xlabel("trial")
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_ylabel("validation loss" + (" (mean ± s.e. over seeds)" if spread else " (one seed)"))
    left.grid(alpha=0.3)

    _final_bars(right, finals, colors, spread)
    handles, names = left.get_legend_handles_labels()
    budgets = sorted(finals["budget"].unique())
    if len(budgets) > 1:  # shade, not colour, tells budgets apart
        handles += [Patch(facecolor="gray", alpha=_shade(j), label=f"budget {b}") for j, b in enumerate(budgets)]
        names += [f"budget {b}" for b in budgets]
    rows = (len(names) + 3) // 4
    fig.legend(handles, names, loc="lower center", ncol=min(4, len(names)), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.045 * rows, 1, 1))
    return fig


def _shade(j: int) -> float:
    return 1.0 - 0.35 * j


def _has_spread(finals: pd.DataFrame) -> bool:
    """More than one seed behind some mean: only then are there error bars to draw."""
    if "n_seeds" in finals and len(finals):
        return bool((finals["n_seeds"].fillna(1) > 1).any())
    return bool((finals["se_final"].fillna(0) > 0).any())


def _final_bars(ax: Any, finals: pd.DataFrame, colors: dict[str, tuple[float, ...]], spread: bool) -> None:
    """Final loss per optimizer (and budget) on an axis zoomed to the values, each bar labelled."""
    budgets = sorted(finals["budget"].unique())
    labels = sorted(finals["optimizer"].unique())
    width = 0.8 / max(len(budgets), 1)
    means = finals["mean_final"].to_numpy(dtype=float)
    se = finals["se_final"].fillna(0).to_numpy(dtype=float) if spread else np.zeros_like(means)
    lo, hi = float(np.nanmin(means - se)), float(np.nanmax(means + se))
    pad = (hi - lo) * 0.25 or abs(hi) * 0.05 or 0.01
    bottom, top = lo - pad, hi + pad * 1.2  # room above for the values
    for j, budget in enumerate(budgets):
        rows = finals.loc[finals["budget"] == budget].set_index("optimizer").reindex(labels)
        x = np.arange(len(labels)) + (j - (len(budgets) - 1) / 2) * width
        heights = rows["mean_final"].to_numpy(dtype=float)
        yerr = rows["se_final"].fillna(0).to_numpy(dtype=float) if spread else None
        ax.bar(x, heights - bottom, width, bottom=bottom, yerr=yerr, capsize=3 if spread else 0,
               color=[colors[label] for label in labels], alpha=_shade(j))
        tops = heights + (yerr if yerr is not None else 0.0)
        for xi, h, y in zip(x, heights, tops, strict=True):
            if np.isfinite(h):
                ax.annotate(f"{h:.3g}", (xi, y), xytext=(0, 2), textcoords="offset points", ha="center",
                            va="bottom", fontsize=7)
    ax.set_ylim(bottom, top)
    ax.set_xticks(np.arange(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_title("final validation loss" + (" (mean ± s.e.)" if spread else " (one seed)"))
    ax.set_ylabel("axis zoomed: does not start at 0", fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def cd_diagram(result: CriticalDifference, path: Path, title: str = "") -> Path:
    """Demšar-style diagram: average ranks on an axis, the CD bar, and lines joining tied groups."""
    ranks = result.avg_ranks.sort_values(kind="stable")
    k = len(ranks)
    half = (k + 1) // 2
    height = 1.3 + 0.3 * half  # axis and CD bar on top, one label row per optimizer on each side
    fig = Figure(figsize=(9, height), dpi=DPI)
    ax = fig.subplots()
    lo, hi = 1, max(k, 2)
    ax.set_xlim(lo - 0.5, max(hi, lo + result.cd) + 0.5)
    ax.set_ylim(0, height)
    ax.axis("off")
    axis_y = height - 0.75
    ax.hlines(axis_y, lo, hi, color="black", linewidth=1)
    for tick in range(lo, hi + 1):
        ax.vlines(tick, axis_y, axis_y + 0.08, color="black", linewidth=1)
        ax.text(tick, axis_y + 0.12, str(tick), ha="center", va="bottom", fontsize=9)
    ax.hlines(axis_y + 0.42, lo, lo + result.cd, color="firebrick", linewidth=2)
    ax.text(lo + result.cd / 2, axis_y + 0.46, f"CD = {result.cd:.2f}", ha="center", va="bottom", fontsize=8, color="firebrick")
    for i, (label, rank) in enumerate(ranks.items()):
        left_side = i < half
        row = i if left_side else k - 1 - i
        y = axis_y - 0.35 - 0.3 * row
        x_text = lo - 0.4 if left_side else hi + 0.4
        ax.plot([rank, rank, x_text], [axis_y, y, y], color="black", linewidth=0.8)
        ax.text(x_text, y, f"{label} ({rank:.2f})", ha="right" if left_side else "left", va="center", fontsize=8,
                clip_on=False)
    for c, clique in enumerate(result.cliques):
        values = ranks[list(clique)]
        y = axis_y - 0.12 - 0.08 * c
        ax.hlines(y, values.min() - 0.03, values.max() + 0.03, color="dimgray", linewidth=3)
    ax.set_title(title or f"Critical difference (Nemenyi, alpha={result.alpha}) over {result.n_tasks} tasks", fontsize=10)
    fig.subplots_adjust(left=0.24, right=0.76, top=0.86, bottom=0.02)
    fig.savefig(path)
    return path
