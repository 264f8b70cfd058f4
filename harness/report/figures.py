"""Report figures (matplotlib's object API on the Agg canvas: no pyplot state, no display needed).

Per task: best-so-far validation loss (mean and standard error over seeds) next to the final loss per
optimizer, as in the papers' figures; across tasks: a Demšar critical-difference diagram.
Each optimizer keeps one colour in every figure so the reader can match them by eye.
"""

from __future__ import annotations

from pathlib import Path

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
    with a `budget` column; random_curve: bootstrapped expected best of n random samples, or None.
    """
    fig = Figure(figsize=(11, 4), dpi=DPI)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    for label, group in curves.groupby("optimizer", sort=True):
        group = group.sort_values("step")
        x, mean, se = group["step"].to_numpy(), group["mean"].to_numpy(), group["se"].to_numpy()
        left.plot(x, mean, marker="o", markersize=3, color=colors[label], label=label)
        left.fill_between(x, mean - se, mean + se, color=colors[label], alpha=0.2, linewidth=0)
    if random_curve is not None and len(random_curve):
        left.plot(random_curve["step"], random_curve["mean"], "k--", linewidth=1, label="random (bootstrap)")
    left.set_title(f"{task}: best validation loss so far")
    left.set_xlabel("trial")
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_ylabel("validation loss (mean ± s.e. over seeds)")
    left.legend(fontsize=8)
    left.grid(alpha=0.3)

    budgets = sorted(finals["budget"].unique())
    labels = sorted(finals["optimizer"].unique())
    width = 0.8 / max(len(budgets), 1)
    for j, budget in enumerate(budgets):
        rows = finals.loc[finals["budget"] == budget].set_index("optimizer").reindex(labels)
        x = np.arange(len(labels)) + (j - (len(budgets) - 1) / 2) * width
        right.bar(
            x, rows["mean_final"], width, yerr=rows["se_final"].fillna(0), capsize=3,
            color=[colors[label] for label in labels], alpha=1.0 - 0.35 * j, label=f"budget {budget}",
        )
    right.set_xticks(np.arange(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    right.set_title("final validation loss (mean ± s.e.)")
    if len(budgets) > 1:  # shade, not colour, tells budgets apart
        handles = [Patch(facecolor="gray", alpha=1.0 - 0.35 * j, label=f"budget {b}") for j, b in enumerate(budgets)]
        right.legend(handles=handles, fontsize=8)
    right.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    return path


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
