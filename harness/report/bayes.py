"""Bayesian signed-rank test over tasks (Benavoli, Corani, Demšar & Zaffalon 2017, "Time for a
change: a tutorial for comparing multiple classifiers through Bayesian analysis", JMLR 18(77), §4.3;
the test itself: Benavoli et al. 2014, "A Bayesian Wilcoxon signed-rank test based on the Dirichlet
process", ICML).

Why: a p-value says how surprising the data would be under "no difference"; a reader wants the
probability that an optimizer is better, practically equivalent, or worse. The per-task relative
differences z_i (negative = better) get a Dirichlet-process posterior with a prior pseudo-observation
at 0 of weight `prior` (0.5, as the paper and its reference code baycomp use); for each posterior
sample of weights w, theta_better = sum_ij w_i w_j [z_i + z_j < -2 rope], theta_worse likewise above
+2 rope, theta_rope the rest (Walsh averages, the signed-rank statistic's building block). Reported
is the share of samples in which each region is the most probable one (baycomp's `probs`).
Implemented here with numpy (seeded, vectorised) instead of baycomp, whose last release is a source
archive with its own plotting helpers; the sampling is the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from llmhpo.harness.report.metrics import change_vs_random

ROPE = 0.01  # region of practical equivalence: +-1% relative loss
PRIOR = 0.5
N_SAMPLES = 20_000
SEED = 0
COLUMNS = ["optimizer", "versus", "n_tasks", "p_better", "p_equivalent", "p_worse"]
DEFINITIONS = [
    "Bayesian signed-rank test (Benavoli et al. 2017, JMLR 18(77); Dirichlet process, prior weight 0.5 at 0, "
    f"{N_SAMPLES} seeded posterior samples): for an optimizer against random (its baseline) and against the best "
    "classical optimizer (lowest mean rank among those that call no LLM), over tasks, on the relative difference "
    "(final - other) / |other| of seed means: P(better), P(practically equivalent: within "
    f"±{ROPE:.0%} relative loss) and P(worse), each the share of posterior samples in which that region is the "
    "most probable. Not a test at a significance level: with few tasks the posterior stays near the prior.",
]


def signed_rank(diffs: np.ndarray, *, rope: float = ROPE, prior: float = PRIOR, n_samples: int = N_SAMPLES,
                seed: int = SEED) -> tuple[float, float, float]:
    """(P(better), P(equivalent), P(worse)) for per-task differences where negative means better."""
    z = np.asarray(diffs, dtype=float)
    z = np.concatenate(([0.0], z[np.isfinite(z)]))  # the prior pseudo-observation first
    weights = np.ones(z.size)
    weights[0] = prior
    sums = z[:, None] + z[None, :]
    # ties with a region's edge count half, as in the reference implementation (Heaviside at 0 = 1/2)
    below = (sums < -2 * rope) + 0.5 * (sums == -2 * rope)
    above = (sums > 2 * rope) + 0.5 * (sums == 2 * rope)
    rng = np.random.default_rng(seed)
    out = np.zeros(3)
    for start in range(0, n_samples, 5_000):  # chunks bound memory at 5000 x n x n
        w = rng.dirichlet(weights, min(5_000, n_samples - start))
        better = np.sum((w @ below) * w, axis=1)  # w' B w per sample, through one matrix product
        worse = np.sum((w @ above) * w, axis=1)
        theta = np.stack([better, 1.0 - better - worse, worse], axis=1)
        out += np.bincount(theta.argmax(axis=1), minlength=3)
    return float(out[0] / n_samples), float(out[1] / n_samples), float(out[2] / n_samples)


def verdicts(means: pd.DataFrame, baselines: pd.DataFrame, random_label: str | None,
             classical: list[str], ranks: pd.Series) -> pd.DataFrame:
    """One row per (optimizer, versus): every optimizer but random against the random baseline, and
    every optimizer but the best classical one against it (best = lowest mean rank in `ranks`)."""
    rows = []
    with_base = means.merge(baselines, on="benchmark", how="inner")
    with_base = with_base.loc[np.isfinite(with_base["baseline"])]
    for label in sorted(set(means["optimizer"]) - {random_label}):
        mine = with_base.loc[with_base["optimizer"] == label]
        diff = -change_vs_random(mine["mean_final"], mine["baseline"])
        if len(diff):
            rows.append([label, "random", len(diff), *signed_rank(diff)])
    ranked = [c for c in ranks.sort_values(kind="stable").index if c in classical and c != random_label]
    if ranked:
        best = ranked[0]
        wide = means.pivot(index="benchmark", columns="optimizer", values="mean_final")
        for label in sorted(set(wide.columns) - {best, random_label}):
            pair = wide[[label, best]].dropna()
            diff = -change_vs_random(pair[label].to_numpy(), pair[best].to_numpy())
            if len(pair):
                rows.append([label, best, len(pair), *signed_rank(diff)])
    return pd.DataFrame(rows, columns=COLUMNS)
