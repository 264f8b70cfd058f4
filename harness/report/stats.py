"""Significance tests across tasks, as recommended by Demšar (2006) and Benavoli et al. (2016).

Why this shape: the unit of evidence is a task, not a (task, seed) pair: seeds of one task are not
independent samples of the population of problems (temperature-0 LLM runs on a deterministic task
are near-copies), so every test works on per-task seed means. Losses of different tasks have
different scales, so the signed-rank test ranks the relative difference to the random baseline
(the same quantity as "change vs random"), and random search is represented everywhere by that one
baseline (bootstrap where available), so ranks, beats-random and the tests agree.

- Friedman test with the Iman-Davenport F correction (Demšar §3.2.2; the plain chi-square is
  too conservative); the Nemenyi critical difference is computed only when it rejects.
- Wilcoxon signed-rank test of each optimizer against random, over tasks, with Holm's step-down
  correction across the k-1 comparisons (statsmodels). Benavoli et al. (2016) show that post-hoc
  tests on mean ranks depend on which other optimizers are in the pool; the Wilcoxon test does not,
  so the comparisons with random use it and the Nemenyi diagram is a summary of the ranks.
scipy.stats computes the Friedman chi-square, the F and studentized-range quantiles and the
Wilcoxon test; statsmodels the Holm correction. (scikit-posthocs/autorank were not needed: neither
adds the Iman-Davenport form, and the Nemenyi CD is one line on scipy's studentized range.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

ALPHA = 0.05
DEFINITIONS = [  # printed in every report after metrics.DEFINITIONS
    "Wilcoxon (Demšar 2006): two-sided signed-rank test over tasks of each optimizer's relative difference "
    "to the random baseline, (seed-mean final - baseline) / |baseline|, so seeds are not counted as independent "
    "samples and task scales do not mix; p-values Holm-corrected across the optimizers compared with random.",
    "critical difference: Friedman test over tasks with the Iman-Davenport F correction; only when it rejects "
    f"at alpha = {ALPHA}, the Nemenyi CD = q_alpha * sqrt(k(k+1)/(6N)) is drawn and optimizers joined by a bar are "
    "not significantly different.",
]


@dataclass(frozen=True)
class Friedman:
    """Friedman chi-square, its Iman-Davenport F form and the decision at alpha."""

    n_tasks: int
    k: int
    chi2: float
    chi2_p: float
    f: float
    p: float  # Iman-Davenport p-value: the one the decision uses
    alpha: float

    @property
    def rejects(self) -> bool:
        return bool(self.p < self.alpha)


def friedman_iman_davenport(matrix: np.ndarray, alpha: float = ALPHA) -> Friedman:
    """Friedman test over a tasks x optimizers loss matrix (needs >= 2 tasks and >= 3 optimizers).

    chi2 from scipy.stats.friedmanchisquare (tie-corrected); F_F = (N-1) chi2 / (N(k-1) - chi2) with
    (k-1, (k-1)(N-1)) degrees of freedom. Perfect agreement (chi2 = N(k-1)) gives F = inf, p = 0.
    """
    n, k = matrix.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.friedmanchisquare(*matrix.T)
    chi2, chi2_p = float(result.statistic), float(result.pvalue)
    if not math.isfinite(chi2):  # every task ties every optimizer: no evidence of any difference
        return Friedman(n, k, 0.0, 1.0, 0.0, 1.0, alpha)
    denominator = n * (k - 1) - chi2
    f = math.inf if denominator <= 0 else (n - 1) * chi2 / denominator
    p = 0.0 if math.isinf(f) else float(stats.f.sf(f, k - 1, (k - 1) * (n - 1)))
    return Friedman(n, k, chi2, chi2_p, f, p, alpha)


def nemenyi_cd(k: int, n: int, alpha: float = ALPHA) -> float:
    """Nemenyi CD = q_alpha * sqrt(k(k+1)/(6N)), q_alpha = studentized range quantile / sqrt(2)."""
    q_alpha = stats.studentized_range.ppf(1.0 - alpha, k, np.inf) / math.sqrt(2.0)
    return float(q_alpha * math.sqrt(k * (k + 1) / (6.0 * n)))


def nemenyi_cliques(avg_ranks: pd.Series, cd: float) -> list[tuple[str, ...]]:
    """Maximal groups of optimizers whose average ranks all lie within CD (not significantly different)."""
    ordered = avg_ranks.sort_values(kind="stable")
    labels, values = list(ordered.index), ordered.to_numpy()
    cliques: list[tuple[str, ...]] = []
    last_end = -1
    for i in range(len(values)):
        j = i
        while j + 1 < len(values) and values[j + 1] - values[i] <= cd:
            j += 1
        if j > i and j > last_end:
            cliques.append(tuple(labels[i : j + 1]))
            last_end = j
    return cliques


@dataclass(frozen=True)
class CriticalDifference:
    """Average ranks over tasks, the Friedman/Iman-Davenport test and, when it rejects, Nemenyi's CD."""

    avg_ranks: pd.Series
    n_tasks: int
    alpha: float
    friedman: Friedman | None
    cd: float = math.nan  # NaN unless Friedman rejects: no post-hoc test without an omnibus rejection
    cliques: list[tuple[str, ...]] = field(default_factory=list)
    note: str = ""

    @property
    def draw(self) -> bool:
        return self.friedman is not None and self.friedman.rejects


def critical_difference(matrix: pd.DataFrame, alpha: float = ALPHA) -> CriticalDifference | None:
    """Friedman (+ Iman-Davenport), then Nemenyi only if it rejects; None below 2 tasks or 2 optimizers."""
    n, k = matrix.shape
    if n < 2 or k < 2:
        return None
    ranks = stats.rankdata(matrix.to_numpy(), axis=1, method="average")
    avg = pd.Series(ranks.mean(axis=0), index=matrix.columns)
    if k < 3:
        return CriticalDifference(avg, n, alpha, None, note="the Friedman test needs at least 3 optimizers "
                                  "(with 2, read the Wilcoxon test)")
    test = friedman_iman_davenport(matrix.to_numpy(), alpha)
    if not test.rejects:
        return CriticalDifference(avg, n, alpha, test, note=f"the Friedman test does not reject equal performance "
                                  f"(Iman-Davenport p = {test.p:.3g} >= {alpha}): no post-hoc test, no diagram")
    cd = nemenyi_cd(k, n, alpha)
    return CriticalDifference(avg, n, alpha, test, cd, nemenyi_cliques(avg, cd))


WILCOXON_COLUMNS = ["optimizer", "n_tasks", "wins", "ties", "losses", "statistic", "p_value", "p_holm", "note"]


def wilcoxon_vs_random(relative: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Signed-rank test per optimizer of its per-task relative difference to random, Holm-corrected.

    relative: columns optimizer, benchmark, diff where diff = (seed-mean final - baseline) / |baseline|
    (negative = better than random). Exact p-values where scipy computes them (small n, no ties).
    """
    from statsmodels.stats.multitest import multipletests

    rows = []
    for label, group in relative.groupby("optimizer", sort=True):
        diff = group["diff"].to_numpy(dtype=float)
        diff = diff[np.isfinite(diff)]
        wins, ties, losses = int((diff < 0).sum()), int((diff == 0).sum()), int((diff > 0).sum())
        statistic = p_value = math.nan
        if len(diff) == 0:
            note = "no task with a random baseline"
        elif wins + losses == 0:
            note = "all tasks tied"
        elif wins + losses < 2:
            note = "too few untied tasks"
        else:
            result = stats.wilcoxon(diff, zero_method="wilcox")
            statistic, p_value, note = float(result.statistic), float(result.pvalue), ""
        rows.append([label, len(diff), wins, ties, losses, statistic, p_value, math.nan, note])
    table = pd.DataFrame(rows, columns=WILCOXON_COLUMNS)
    tested = table["p_value"].notna()
    if tested.any():
        table.loc[tested, "p_holm"] = multipletests(table.loc[tested, "p_value"].to_numpy(), alpha=alpha, method="holm")[1]
    return table
