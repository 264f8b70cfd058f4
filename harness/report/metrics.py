"""Report metrics: pure functions over trial frames, one per metric (definitions follow Zhang et al.;
the significance tests are in stats.py). What each metric means is written once, in DEFINITIONS
below, which every report prints in its Definitions section.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Collection

import numpy as np
import pandas as pd
from scipy import stats

from llmhpo.harness.journal.provenance import HARNESS_CHOSEN, MODEL_UNCHANGED
from llmhpo.harness.optimizers.history import best_so_far as incumbent_trace

KEYS = ["benchmark", "optimizer"]
MIN_BOOTSTRAP_SAMPLES = 500
N_BOOT = 1000
DEFINITIONS = [
    "final: best validation loss among a run's first b trials (crashed trials count with their recorded "
    "loss); a run its optimizer stopped early (patience) keeps its incumbent for the rest of the budget; a run "
    "with fewer than b trials that did not stop is left out and named. The incumbent's test loss is shown "
    "separately and never used to select anything.",
    "random baseline: with at least the spec's baseline_samples random-sample evaluations of a task "
    f"(baseline.jsonl; {MIN_BOOTSTRAP_SAMPLES} when the spec names no number), the expected best of b samples drawn "
    f"with replacement (mean of the minimum over {N_BOOT} seeded bootstrap draws, as Zhang et al.); with fewer, the "
    "bootstrap is refused (noted) and the seed-mean final of the campaign's random-search runs is used. Source and "
    "sample count per task.",
    "change vs random = (baseline - final) / |baseline| on seed-mean finals; positive means better than random "
    "(0.2 -> 0.1 is +50%). Median and mean are over tasks.",
    "beats random: share of tasks whose seed-mean final is strictly below the random baseline.",
    "mean rank: per task, optimizers ranked by seed-mean final and random search by the same random baseline "
    "(1 = best, ties share the average rank), averaged over the tasks every optimizer ran (others are named).",
    "model chose: share of an optimizer's LLM trials whose config the model chose unchanged (provenance model "
    "or reasked); harness chose: share perturbed by the harness after repeats or replaced by a random fallback "
    "(harness/journal/provenance.py; a warning above 10%, the fallback rule). Classical trials of a hybrid do not count.",
    "normalized regret = (final - best known) / (worst known - best known); best/worst known = min/max loss "
    "seen for the task anywhere in the campaign and its baseline samples; averaged over seeds, then tasks.",
]


def standard_error(values: pd.Series) -> float:
    """Standard error of the mean; 0 for a single value (nothing to spread)."""
    n = int(values.count())
    return float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0


def select_budget(
    trials: pd.DataFrame, runs: pd.DataFrame, budget: int, stopped: Collection[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trials that count for budget b, and the runs that are still short of b trials.

    Each (task, optimizer, seed) uses its run with the smallest budget >= b, cut to its first b trials.
    A run in `stopped` (ended early by its optimizer) is complete with the trials it has.
    """
    eligible = runs.loc[runs["budget"] >= budget].sort_values("budget", kind="stable")
    chosen = eligible.drop_duplicates(["benchmark", "optimizer", "seed"], keep="first")
    selected = trials.loc[trials["run_id"].isin(chosen["run_id"]) & (trials["index"] < budget)]
    counts = selected.groupby("run_id")["index"].count().reindex(chosen["run_id"], fill_value=0)
    counts = counts.where(~counts.index.isin(list(stopped)), budget)  # early-stopped: complete
    short = chosen.set_index("run_id").loc[counts.index[counts < budget]].reset_index()
    short["finished"] = counts[counts < budget].to_numpy()
    complete = selected.loc[~selected["run_id"].isin(short["run_id"])]
    return complete.reset_index(drop=True), short


def best_so_far(trials: pd.DataFrame, horizon: int | None = None) -> pd.DataFrame:
    """Per run and step (1-based), the best validation loss found so far; with `horizon`, a run that
    ended earlier (early stop) keeps its incumbent up to that step."""
    df = trials.sort_values(["run_id", "index"], kind="stable")
    out = df[["run_id", "benchmark", "optimizer", "seed", "index"]].copy()
    out["step"] = out["index"] + 1
    per_run = df.groupby("run_id", sort=False)["loss"].agg(list)  # runs in df's (sorted) order
    out["best"] = list(itertools.chain.from_iterable(map(incumbent_trace, per_run)))
    out = out.drop(columns="index").reset_index(drop=True)
    if horizon is None:
        return out
    last = out.groupby("run_id").tail(1)
    pads = [pd.DataFrame({**{c: row[c] for c in ("run_id", "benchmark", "optimizer", "seed", "best")},
                          "step": range(int(row["step"]) + 1, horizon + 1)})
            for _, row in last.loc[last["step"] < horizon].iterrows()]
    if not pads:
        return out
    padded = pd.concat([out, *pads], ignore_index=True)[out.columns]
    return padded.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)


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
    """Random baseline per task for budget b: bootstrap when at least `min_samples` samples, else the
    random-search runs (the source and the sample count are named per task).

    horizon: length of the shared bootstrap draw (the report's largest budget), so the value for b
    equals the bootstrapped curve plotted for the task at step b.
    """
    rows = []
    tasks = sorted(set(means["benchmark"]))
    for task in tasks:
        samples = np.array([]) if baseline is None else baseline.loc[baseline["benchmark"] == task, "loss"].to_numpy()
        samples = samples[np.isfinite(samples)]
        if samples.size and samples.size >= min_samples:
            steps = max(budget, horizon or budget)
            curve = bootstrap_best_curve(samples, steps, n_boot=n_boot, seed=task_seed(task, seed))
            last = curve.iloc[budget - 1]
            rows.append((task, float(last["mean"]), float(last["se"]), samples.size,
                         f"bootstrap of {samples.size} random samples"))
            continue
        refused = f"bootstrap refused: {samples.size} of {min_samples} samples; " if samples.size else ""
        runs = means.loc[(means["benchmark"] == task) & (means["optimizer"] == random_label)]
        if len(runs):
            r = runs.iloc[0]
            rows.append((task, float(r["mean_final"]), float(r["se_final"]), samples.size,
                         f"{refused}{int(r['n_seeds'])} random-search run(s)"))
        else:
            rows.append((task, float("nan"), float("nan"), samples.size, f"{refused}none"))
    return pd.DataFrame(rows, columns=["benchmark", "baseline", "baseline_se", "samples", "baseline_source"])


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


def rank_matrix(
    means: pd.DataFrame, baselines: pd.DataFrame | None = None, random_label: str | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Tasks x optimizers matrix of seed-mean finals over the tasks every optimizer ran, and a note
    naming each task left out and why. With `baselines`, the random-search column holds the random
    baseline of each task (the value beats-random uses), so ranks and beats-random agree."""
    wide = means.pivot(index="benchmark", columns="optimizer", values="mean_final")
    if baselines is not None and random_label is not None and random_label in wide.columns:
        value = baselines.set_index("benchmark")["baseline"].reindex(wide.index)
        wide[random_label] = value.where(np.isfinite(value), wide[random_label])
    notes = []
    for task, row in wide.iterrows():
        missing = [str(c) for c in wide.columns[row.isna().to_numpy()]]
        if missing:
            notes.append(f"task `{task}` left out of the ranks and the Friedman test: no complete result for "
                         f"{', '.join(missing)}")
    return wide.dropna(axis=0, how="any"), notes


def mean_rank(matrix: pd.DataFrame) -> pd.Series:
    """Average rank (1 = best, ties averaged) per optimizer over the rows of a rank matrix."""
    if matrix.empty:
        return pd.Series(dtype=float, name="mean_rank")
    ranks = stats.rankdata(matrix.to_numpy(), axis=1, method="average")
    return pd.Series(ranks.mean(axis=0), index=matrix.columns, name="mean_rank")


def relative_to_random(means: pd.DataFrame, baselines: pd.DataFrame, random_label: str | None) -> pd.DataFrame:
    """Per (optimizer, task) other than random: (seed-mean final - baseline) / |baseline| (= -change)."""
    df = means.loc[means["optimizer"] != random_label].merge(baselines, on="benchmark", how="inner")
    df = df.loc[np.isfinite(df["baseline"])]
    df["diff"] = -change_vs_random(df["mean_final"], df["baseline"])
    return df[["optimizer", "benchmark", "diff"]].reset_index(drop=True)


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


def provenance_shares(trials: pd.DataFrame) -> pd.DataFrame:
    """Per optimizer with LLM trials: model_chose_pct (model + reasked) and harness_chose_pct
    (perturbed + fallback) of its LLM trials (rows with a provenance)."""
    llm = trials.loc[trials["provenance"].notna(), ["optimizer", "provenance"]]
    grouped = llm.groupby("optimizer")["provenance"]
    out = pd.DataFrame({
        "llm_trials": grouped.count(),
        "model_chose_pct": grouped.agg(lambda s: 100.0 * float(s.isin([k.value for k in MODEL_UNCHANGED]).mean())),
        "harness_chose_pct": grouped.agg(lambda s: 100.0 * float(s.isin([k.value for k in HARNESS_CHOSEN]).mean())),
    })
    return out.reset_index()
