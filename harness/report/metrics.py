"""Report metrics: pure functions over trial frames, one per metric (definitions follow Zhang et al.).

Definitions (also written into every report):
- final: per (task, budget b, optimizer, seed), the best validation loss among the run's first b
  trials; crashed trials count with the loss they were recorded with. The incumbent's test loss is
  reported separately and never used for selection.
- random baseline per (task, b): with >= 500 random-sample evaluations for the task, the bootstrapped
  expected best of b samples drawn with replacement (mean over 1000 seeded draws of the minimum);
  otherwise the mean final of the campaign's random-search runs.
- change vs random = (baseline - final) / |baseline| on the seed-mean final: positive = better than
  random (0.2 -> 0.1 is +50%). Median and mean are taken over tasks.
- beats random = share of tasks whose seed-mean final is strictly below the random baseline.
- mean rank: per task, optimizers ranked by seed-mean final (ties get the average rank), averaged
  over the tasks on which every optimizer has a result.
- normalized regret = (final - best known) / (worst known - best known), with best/worst known the
  min/max loss seen for the task anywhere in the campaign and its baseline samples.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

KEYS = ["benchmark", "optimizer"]
MIN_BOOTSTRAP_SAMPLES = 500
N_BOOT = 1000


def standard_error(values: pd.Series) -> float:
    """Standard error of the mean; 0 for a single value (nothing to spread)."""
    n = int(values.count())
    return float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0


def select_budget(trials: pd.DataFrame, runs: pd.DataFrame, budget: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trials that count for budget b, and the runs that are still short of b trials.

    Each (task, optimizer, seed) uses its run with the smallest budget >= b, cut to its first b trials.
    """
    eligible = runs.loc[runs["budget"] >= budget].sort_values("budget", kind="stable")
    chosen = eligible.drop_duplicates(["benchmark", "optimizer", "seed"], keep="first")
    selected = trials.loc[trials["run_id"].isin(chosen["run_id"]) & (trials["index"] < budget)]
    counts = selected.groupby("run_id")["index"].count().reindex(chosen["run_id"], fill_value=0)
    short = chosen.set_index("run_id").loc[counts.index[counts < budget]].reset_index()
    short["finished"] = counts[counts < budget].to_numpy()
    complete = selected.loc[~selected["run_id"].isin(short["run_id"])]
    return complete.reset_index(drop=True), short


def best_so_far(trials: pd.DataFrame) -> pd.DataFrame:
    """Per run and step (1-based), the best validation loss found so far."""
    df = trials.sort_values(["run_id", "index"], kind="stable")
    out = df[["run_id", "benchmark", "optimizer", "seed", "index"]].copy()
    out["step"] = out["index"] + 1
    out["best"] = df.groupby("run_id")["loss"].cummin()
    return out.drop(columns="index").reset_index(drop=True)


def curve_summary(curves: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error over seeds of the best-so-far loss per (task, optimizer, step)."""
    grouped = curves.groupby([*KEYS, "step"])["best"]
    out = grouped.agg(mean="mean", n="count").reset_index()
    out["se"] = grouped.agg(standard_error).to_numpy()
    return out


def final_per_run(trials: pd.DataFrame) -> pd.DataFrame:
    """Per run: final (best validation loss), the incumbent's test loss, trial and crash counts."""
    df = trials.sort_values(["run_id", "index"], kind="stable")
    best_rows = df.loc[df["loss"].notna()].groupby("run_id")["loss"].idxmin()
    incumbents = df.loc[best_rows, ["run_id", "benchmark", "optimizer", "seed", "loss", "test_loss", "index"]]
    incumbents = incumbents.rename(columns={"loss": "final", "test_loss": "incumbent_test_loss", "index": "incumbent_index"})
    counts = df.groupby("run_id").agg(n_trials=("index", "count"), n_crashed=("status", lambda s: int((s == "crashed").sum())))
    return incumbents.merge(counts, left_on="run_id", right_index=True).reset_index(drop=True)


def task_means(finals: pd.DataFrame) -> pd.DataFrame:
    """Seed-mean final (with standard error) and incumbent test loss per (task, optimizer)."""
    grouped = finals.groupby(KEYS)
    out = grouped.agg(mean_final=("final", "mean"), mean_test_loss=("incumbent_test_loss", "mean"), n_seeds=("final", "count"))
    out["se_final"] = grouped["final"].agg(standard_error)
    return out.reset_index()


def bootstrap_best_curve(losses: np.ndarray, steps: int, *, n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """Expected best of n random samples (n = 1..steps), drawn with replacement, and its spread.

    One (n_boot x steps) draw is shared by all n so the curve is monotone and every budget agrees.
    """
    values = np.asarray(losses, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0 or steps < 1:
        return pd.DataFrame({"step": [], "mean": [], "se": []})
    rng = np.random.default_rng(seed)
    draws = rng.choice(values, size=(n_boot, steps), replace=True)
    best = np.minimum.accumulate(draws, axis=1)
    spread = best.std(axis=0, ddof=1) if n_boot > 1 else np.zeros(steps)
    return pd.DataFrame({"step": np.arange(1, steps + 1), "mean": best.mean(axis=0), "se": spread})


def task_seed(benchmark: str, seed: int = 0) -> int:
    """A stable per-task bootstrap seed (crc32, not hash(): Python salts string hashes per process)."""
    return zlib.crc32(benchmark.encode("utf-8")) ^ seed


def random_baselines(
    means: pd.DataFrame,
    baseline: pd.DataFrame | None,
    budget: int,
    random_label: str | None,
    *,
    min_samples: int = MIN_BOOTSTRAP_SAMPLES,
    n_boot: int = N_BOOT,
    seed: int = 0,
    horizon: int | None = None,
) -> pd.DataFrame:
    """Random baseline per task for budget b: bootstrap when enough samples, else random-search runs.

    horizon: length of the shared bootstrap draw (the report's largest budget), so the value for b
    equals the bootstrapped curve plotted for the task at step b.
    """
    rows = []
    tasks = sorted(set(means["benchmark"]))
    for task in tasks:
        samples = np.array([]) if baseline is None else baseline.loc[baseline["benchmark"] == task, "loss"].to_numpy()
        samples = samples[np.isfinite(samples)]
        if samples.size >= min_samples:
            steps = max(budget, horizon or budget)
            curve = bootstrap_best_curve(samples, steps, n_boot=n_boot, seed=task_seed(task, seed))
            last = curve.iloc[budget - 1]
            rows.append((task, float(last["mean"]), float(last["se"]), f"bootstrap of {samples.size} random samples"))
            continue
        runs = means.loc[(means["benchmark"] == task) & (means["optimizer"] == random_label)]
        if len(runs):
            r = runs.iloc[0]
            rows.append((task, float(r["mean_final"]), float(r["se_final"]), f"{int(r['n_seeds'])} random-search run(s)"))
        else:
            rows.append((task, float("nan"), float("nan"), "none"))
    return pd.DataFrame(rows, columns=["benchmark", "baseline", "baseline_se", "baseline_source"])


def change_vs_random(final: float | np.ndarray, baseline: float | np.ndarray) -> np.ndarray:
    """Relative improvement over random: (baseline - final) / |baseline|; NaN where baseline is 0 or NaN."""
    final = np.asarray(final, dtype=float)
    baseline = np.asarray(baseline, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (baseline - final) / np.abs(baseline)
    return np.where((baseline == 0) | ~np.isfinite(baseline), np.nan, out)


def versus_random(means: pd.DataFrame, baselines: pd.DataFrame) -> pd.DataFrame:
    """Per optimizer: beats-random % and median/mean change vs random over tasks with a baseline."""
    df = means.merge(baselines, on="benchmark", how="left")
    df = df.loc[np.isfinite(df["baseline"])].copy()
    df["change"] = change_vs_random(df["mean_final"], df["baseline"])
    df["beats"] = df["mean_final"] < df["baseline"]
    out = df.groupby("optimizer").agg(
        tasks_vs_random=("benchmark", "count"),
        beats_random_pct=("beats", lambda s: 100.0 * float(s.mean())),
        median_change_pct=("change", lambda s: 100.0 * float(s.median())),
        mean_change_pct=("change", lambda s: 100.0 * float(s.mean())),
    )
    return out.reset_index()


def rank_matrix(means: pd.DataFrame) -> pd.DataFrame:
    """Tasks x optimizers matrix of seed-mean finals, keeping only tasks every optimizer ran."""
    return means.pivot(index="benchmark", columns="optimizer", values="mean_final").dropna(axis=0, how="any")


def mean_rank(means: pd.DataFrame) -> pd.Series:
    """Average rank (1 = best, ties averaged) per optimizer over complete tasks."""
    matrix = rank_matrix(means)
    if matrix.empty:
        return pd.Series(dtype=float, name="mean_rank")
    ranks = stats.rankdata(matrix.to_numpy(), axis=1, method="average")
    return pd.Series(ranks.mean(axis=0), index=matrix.columns, name="mean_rank")


def loss_bounds(trials: pd.DataFrame, baseline: pd.DataFrame | None) -> pd.DataFrame:
    """Best and worst known loss per task over every trial of the campaign and its baseline samples."""
    frames = [trials[["benchmark", "loss"]]]
    if baseline is not None and len(baseline):
        frames.append(baseline[["benchmark", "loss"]])
    losses = pd.concat(frames, ignore_index=True)
    return losses.groupby("benchmark")["loss"].agg(best_known="min", worst_known="max").reset_index()


def normalized_regret(finals: pd.DataFrame, bounds: pd.DataFrame) -> pd.DataFrame:
    """Per run: (final - best known) / (worst known - best known); 0 when the task has no spread."""
    df = finals.merge(bounds, on="benchmark", how="left")
    spread = df["worst_known"] - df["best_known"]
    regret = (df["final"] - df["best_known"]) / spread.where(spread > 0)
    df["regret"] = regret.where(spread > 0, 0.0)
    return df


def mean_regret(regrets: pd.DataFrame) -> pd.Series:
    """Normalized regret averaged over seeds per task, then over tasks, per optimizer."""
    per_task = regrets.groupby(KEYS)["regret"].mean()
    return per_task.groupby("optimizer").mean().rename("mean_regret")


def wilcoxon_vs_random(finals: pd.DataFrame, random_label: str | None) -> pd.DataFrame:
    """Paired Wilcoxon signed-rank test of each optimizer vs random, pairs = (task, seed) finals."""
    columns = ["optimizer", "n_pairs", "wins", "ties", "losses", "statistic", "p_value", "note"]
    if random_label is None or random_label not in set(finals["optimizer"]):
        return pd.DataFrame(columns=columns)
    ref = finals.loc[finals["optimizer"] == random_label, ["benchmark", "seed", "final"]]
    rows = []
    for label in sorted(set(finals["optimizer"]) - {random_label}):
        mine = finals.loc[finals["optimizer"] == label, ["benchmark", "seed", "final"]]
        pairs = mine.merge(ref, on=["benchmark", "seed"], suffixes=("", "_random"))
        diff = (pairs["final"] - pairs["final_random"]).to_numpy()
        wins, ties, losses = int((diff < 0).sum()), int((diff == 0).sum()), int((diff > 0).sum())
        statistic = p_value = float("nan")
        if len(diff) == 0:
            note = "no pairs with random"
        elif wins + losses == 0:
            note = "all pairs tied"
        elif wins + losses < 2:
            note = "too few untied pairs"
        else:
            result = stats.wilcoxon(diff, zero_method="wilcox")
            statistic, p_value, note = float(result.statistic), float(result.pvalue), ""
        rows.append((label, len(diff), wins, ties, losses, statistic, p_value, note))
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class CriticalDifference:
    """Friedman test over tasks plus the Nemenyi critical difference of average ranks."""

    avg_ranks: pd.Series
    n_tasks: int
    cd: float
    alpha: float
    friedman_stat: float
    friedman_p: float
    cliques: list[tuple[str, ...]] = field(default_factory=list)
    note: str = ""


def nemenyi_cd(k: int, n: int, alpha: float = 0.05) -> float:
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


def critical_difference(means: pd.DataFrame, alpha: float = 0.05) -> CriticalDifference | None:
    """Friedman + Nemenyi over complete tasks; None when fewer than 2 tasks or 2 optimizers."""
    matrix = rank_matrix(means)
    n, k = matrix.shape
    if n < 2 or k < 2:
        return None
    ranks = stats.rankdata(matrix.to_numpy(), axis=1, method="average")
    avg = pd.Series(ranks.mean(axis=0), index=matrix.columns)
    stat = p = float("nan")
    note = ""
    if k >= 3:
        with np.errstate(divide="ignore", invalid="ignore"):
            result = stats.friedmanchisquare(*matrix.to_numpy().T)
        stat, p = float(result.statistic), float(result.pvalue)
    else:
        note = "the Friedman test needs at least 3 optimizers"
    cd = nemenyi_cd(k, n, alpha)
    return CriticalDifference(avg, n, cd, alpha, stat, p, nemenyi_cliques(avg, cd), note)
