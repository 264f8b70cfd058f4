"""How sure the report's headline numbers are: bootstrap confidence intervals over tasks, and what a
test can reach with the tasks at hand.

Why: "beats random 100%" over 2 tasks is a coin landing heads twice. Every headline number of the
main table (beats random, median and mean change vs random, mean rank) gets a 95% percentile
bootstrap interval over tasks (scipy.stats.bootstrap, method "percentile", seeded; tasks are the
unit of evidence, as in stats.py), and the report says, before its tables, the smallest p-value a
two-sided Wilcoxon signed-rank test can reach with N tasks: 2 / 2^N (every task on one side), so
below 6 tasks no test can reject at alpha = 0.05.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from llmhpo.harness.report.metrics import change_vs_random

CONFIDENCE = 0.95
N_RESAMPLES = 2000
SEED = 0
HEADLINE = ("beats_random_pct", "median_change_pct", "mean_change_pct", "mean_rank")  # metrics with an interval
DEFINITIONS = [
    f"confidence intervals: [low, high] after a headline number is its {CONFIDENCE:.0%} percentile bootstrap "
    f"interval over tasks ({N_RESAMPLES} resamples of the tasks with replacement, seeded; scipy.stats.bootstrap); "
    "`<metric>_ci_low` / `<metric>_ci_high` in the summary CSV. With one task there is none (—); with a few it is "
    "wide, and that width is the point.",
    "smallest attainable p: a two-sided Wilcoxon signed-rank test over N tasks cannot give a p-value below "
    "2 / 2^N (every task on the same side), times the number of comparisons after Holm's correction; below 6 "
    "tasks no test can reject at alpha = 0.05.",
]


def bootstrap_ci(values: np.ndarray, statistic: str = "mean", *, seed: int = SEED) -> tuple[float, float]:
    """The CONFIDENCE percentile bootstrap interval of mean / median of `values` (NaNs dropped);
    (nan, nan) with fewer than 2 values."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return math.nan, math.nan
    if np.all(x == x[0]):
        return float(x[0]), float(x[0])  # no spread to resample
    function = np.median if statistic == "median" else np.mean
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        result = stats.bootstrap((x,), function, n_resamples=N_RESAMPLES, confidence_level=CONFIDENCE,
                                 method="percentile", random_state=np.random.default_rng(seed), vectorized=True)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def summary_intervals(means: pd.DataFrame, baselines: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    """Per optimizer, `<metric>_ci_low` / `<metric>_ci_high` of every HEADLINE metric, over the same
    tasks (and with the same definitions) as metrics.versus_random and metrics.mean_rank."""
    df = means.merge(baselines, on="benchmark", how="left")
    df = df.loc[np.isfinite(df["baseline"])].copy()
    df["change"] = 100.0 * change_vs_random(df["mean_final"], df["baseline"])
    df["beats"] = 100.0 * (df["mean_final"] < df["baseline"])
    ranks = pd.DataFrame(stats.rankdata(matrix.to_numpy(), axis=1, method="average"), columns=matrix.columns) \
        if not matrix.empty else pd.DataFrame()
    rows = []
    for label in sorted(set(means["optimizer"])):
        mine = df.loc[df["optimizer"] == label]
        row: dict[str, object] = {"optimizer": label}
        pairs = {
            "beats_random_pct": bootstrap_ci(mine["beats"].to_numpy(), "mean"),
            "median_change_pct": bootstrap_ci(mine["change"].to_numpy(), "median"),
            "mean_change_pct": bootstrap_ci(mine["change"].to_numpy(), "mean"),
            "mean_rank": bootstrap_ci(ranks[label].to_numpy(), "mean") if label in ranks else (math.nan, math.nan),
        }
        for metric, (low, high) in pairs.items():
            row[f"{metric}_ci_low"], row[f"{metric}_ci_high"] = low, high
        rows.append(row)
    columns = ["optimizer", *(f"{m}_ci_{end}" for m in HEADLINE for end in ("low", "high"))]
    return pd.DataFrame(rows, columns=columns)


def smallest_wilcoxon_p(n_tasks: int) -> float:
    """The smallest two-sided p-value of an exact Wilcoxon signed-rank test over n untied tasks."""
    return 1.0 if n_tasks < 1 else min(1.0, 2.0 / 2.0**n_tasks)


def small_sample_sentences(n_tasks: int, comparisons: int, alpha: float = 0.05) -> list[str]:
    """What the tests can say with `n_tasks` tasks and `comparisons` Holm-corrected comparisons with
    random: the smallest attainable p always; a plain warning when no test can reject."""
    p = smallest_wilcoxon_p(n_tasks)
    holm = min(1.0, p * max(comparisons, 1))
    out = [f"With {n_tasks} task(s), the smallest p-value a Wilcoxon signed-rank test can reach is "
           f"2/2^{n_tasks} = {p:.3g}" + (f" ({holm:.3g} after Holm's correction over {comparisons} optimizers)"
                                          if comparisons > 1 else "") + "."]
    if p >= alpha:
        out.append(f"No test in this report can reject at alpha = {alpha} with fewer than 6 tasks: every "
                   "beats-random share, change and rank below is descriptive, and its confidence interval shows "
                   "how little these tasks can tell.")
    return out
