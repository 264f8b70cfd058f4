"""Every report metric against a small hand-computed table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from llmhpo.harness.report import metrics


def trials_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (run_id, benchmark, optimizer, seed, index, loss, test_loss, status)."""
    cols = ["run_id", "benchmark", "optimizer", "seed", "index", "loss", "test_loss", "status"]
    return pd.DataFrame(rows, columns=cols)


def means_frame(table: dict[str, dict[str, float]]) -> pd.DataFrame:
    """{task: {optimizer: mean final}} -> task_means-shaped frame (2 seeds, s.e. 0)."""
    rows = [(t, o, v, 0.0, 2) for t, per in table.items() for o, v in per.items()]
    return pd.DataFrame(rows, columns=["benchmark", "optimizer", "mean_final", "se_final", "n_seeds"])


def test_final_is_best_validation_loss_and_test_loss_comes_from_the_incumbent() -> None:
    df = trials_frame([
        ("r1", "t", "gp", 0, 0, 0.5, 0.1, "ok"),  # best test loss, but not the incumbent
        ("r1", "t", "gp", 0, 1, 0.9, 0.2, "crashed"),
        ("r1", "t", "gp", 0, 2, 0.3, 0.4, "ok"),
        ("r1", "t", "gp", 0, 3, 0.3, 0.0, "ok"),  # ties the best later: the first one stays incumbent
    ])
    final = metrics.final_per_run(df).iloc[0]
    assert final["final"] == 0.3
    assert final["incumbent_test_loss"] == 0.4
    assert final["incumbent_index"] == 2
    assert (final["n_trials"], final["n_crashed"]) == (4, 1)


def test_crashed_trial_counts_with_its_recorded_loss() -> None:
    df = trials_frame([("r", "t", "gp", 0, 0, 0.2, None, "crashed"), ("r", "t", "gp", 0, 1, 0.5, None, "ok")])
    assert metrics.final_per_run(df).iloc[0]["final"] == 0.2


def test_select_budget_cuts_runs_and_lists_unfinished_ones() -> None:
    runs = pd.DataFrame(
        [("a", "t", "gp", "gp", None, 0, 3), ("b", "t", "gp", "gp", None, 1, 3), ("c", "t", "gp", "gp", None, 0, 5)],
        columns=["run_id", "benchmark", "optimizer", "optimizer_name", "model", "seed", "budget"],
    )
    df = trials_frame(
        [("a", "t", "gp", 0, i, 1.0 - i / 10, None, "ok") for i in range(3)]
        + [("b", "t", "gp", 1, 0, 0.5, None, "ok")]
        + [("c", "t", "gp", 0, i, 0.5 - i / 10, None, "ok") for i in range(5)]
    )
    chosen, short = metrics.select_budget(df, runs, 3)
    # seed 0 uses its budget-3 run (a), not the first 3 trials of the budget-5 run (c); b is unfinished.
    assert set(chosen["run_id"]) == {"a"}
    assert list(short["run_id"]) == ["b"] and list(short["finished"]) == [1]
    chosen5, _ = metrics.select_budget(df, runs, 5)
    assert set(chosen5["run_id"]) == {"c"} and len(chosen5) == 5
    chosen2, short2 = metrics.select_budget(df, runs, 1)
    assert set(chosen2["run_id"]) == {"a", "b"} and chosen2["index"].max() == 0 and short2.empty


def test_best_so_far_curve_mean_and_standard_error() -> None:
    df = trials_frame(
        [("r0", "t", "gp", 0, i, v, None, "ok") for i, v in enumerate([0.5, 0.7, 0.2])]
        + [("r1", "t", "gp", 1, i, v, None, "ok") for i, v in enumerate([0.3, 0.1, 0.4])]
    )
    curves = metrics.best_so_far(df)
    assert list(curves.loc[curves["run_id"] == "r0", "best"]) == [0.5, 0.5, 0.2]
    summary = metrics.curve_summary(curves).set_index("step")
    assert summary["mean"].tolist() == pytest.approx([0.4, 0.3, 0.15])
    # s.e. of {0.5, 0.3}: std (ddof 1) = 0.1414.. / sqrt(2) = 0.1
    assert summary.loc[1, "se"] == pytest.approx(0.1)
    assert summary["n"].tolist() == [2, 2, 2]


def test_mean_rank_gives_ties_the_average_rank() -> None:
    means = means_frame({
        "t1": {"a": 0.1, "b": 0.2, "c": 0.3},
        "t2": {"a": 0.2, "b": 0.2, "c": 0.1},  # a and b tie for 2nd/3rd -> 2.5 each
        "t3": {"a": 0.5, "b": 0.5, "c": 0.5},  # three-way tie -> 2 each
        "t4": {"a": 0.1, "b": 0.9},  # c missing: the task is left out of the ranking
    })
    matrix, notes = metrics.rank_matrix(means)
    assert notes == ["task `t4` left out of the ranks and the Friedman test: no complete result for c"]
    ranks = metrics.mean_rank(matrix)
    assert ranks["a"] == pytest.approx((1 + 2.5 + 2) / 3)
    assert ranks["b"] == pytest.approx((2 + 2.5 + 2) / 3)
    assert ranks["c"] == pytest.approx((3 + 1 + 2) / 3)
    assert ranks.sum() == pytest.approx(6.0)  # ranks of 3 optimizers always sum to 6 per task


def test_change_vs_random_sign_convention_and_zero_baseline() -> None:
    assert metrics.change_vs_random(0.1, 0.2) == pytest.approx(0.5)  # 0.2 -> 0.1 is +50%
    assert metrics.change_vs_random(0.3, 0.2) == pytest.approx(-0.5)
    assert metrics.change_vs_random(-2.0, -1.0) == pytest.approx(1.0)  # negative losses: still + = better
    assert math.isnan(float(metrics.change_vs_random(0.1, 0.0)))


def test_beats_random_and_median_mean_change() -> None:
    means = means_frame({
        "t1": {"llm": 0.1, "gp": 0.3},
        "t2": {"llm": 0.4, "gp": 0.2},
        "t3": {"llm": 0.5, "gp": 0.5},
        "t4": {"llm": 0.2, "gp": 0.1},  # no baseline for t4: not counted
    })
    baselines = pd.DataFrame({"benchmark": ["t1", "t2", "t3", "t4"], "baseline": [0.2, 0.4, 0.4, np.nan]})
    table = metrics.versus_random(means, baselines).set_index("optimizer")
    # llm changes: +50%, 0% (tie does not beat), -25%  -> beats 1/3, median 0, mean 8.33%
    assert table.loc["llm", "tasks_vs_random"] == 3
    assert table.loc["llm", "beats_random_pct"] == pytest.approx(100 / 3)
    assert table.loc["llm", "median_change_pct"] == pytest.approx(0.0)
    assert table.loc["llm", "mean_change_pct"] == pytest.approx(100 * (0.5 + 0 - 0.25) / 3)
    # gp changes: -50%, +50%, -25% -> beats 1/3, median -25%, mean -8.33%
    assert table.loc["gp", "beats_random_pct"] == pytest.approx(100 / 3)
    assert table.loc["gp", "median_change_pct"] == pytest.approx(-25.0)
    assert table.loc["gp", "mean_change_pct"] == pytest.approx(100 * (-0.5 + 0.5 - 0.25) / 3)


def test_bootstrap_of_equal_losses_is_exact_and_of_two_values_matches_theory() -> None:
    flat = metrics.bootstrap_best_curve(np.full(500, 0.3), 5)
    assert flat["mean"].tolist() == pytest.approx([0.3] * 5, rel=1e-12)
    assert flat["se"].tolist() == pytest.approx([0.0] * 5, abs=1e-12)
    # losses {0, 1} half and half: the best of n draws is 1 only if all n are 1 -> E = 0.5**n
    coin = metrics.bootstrap_best_curve(np.array([0.0, 1.0] * 250), 4, n_boot=20000, seed=1)
    assert coin["mean"].tolist() == pytest.approx([0.5, 0.25, 0.125, 0.0625], abs=0.015)
    assert coin["mean"].is_monotonic_decreasing
    again = metrics.bootstrap_best_curve(np.array([0.0, 1.0] * 250), 4, n_boot=20000, seed=1)
    pd.testing.assert_frame_equal(coin, again)  # seeded: reports are reproducible


def test_random_baseline_source_bootstrap_or_random_runs_or_none() -> None:
    means = means_frame({"t1": {"random": 0.4, "gp": 0.3}, "t2": {"random": 0.6}, "t3": {"gp": 0.1}})
    baseline = pd.DataFrame({"benchmark": ["t1"] * 500 + ["t2"] * 499, "loss": [0.25] * 500 + [0.1] * 499})
    table = metrics.random_baselines(means, baseline, 10, "random").set_index("benchmark")
    assert table.loc["t1", "baseline"] == 0.25 and table.loc["t1", "baseline_source"].startswith("bootstrap of 500")
    assert table.loc["t2", "baseline"] == 0.6 and "random-search" in table.loc["t2", "baseline_source"]  # 499 < 500
    assert math.isnan(table.loc["t3", "baseline"]) and table.loc["t3", "baseline_source"] == "none"


def test_random_baseline_for_a_budget_matches_the_bootstrapped_curve() -> None:
    samples = np.linspace(0.0, 1.0, 600)
    means = means_frame({"t": {"gp": 0.3}})
    base = pd.DataFrame({"benchmark": ["t"] * 600, "loss": samples})
    curve = metrics.bootstrap_best_curve(samples, 30, seed=metrics.task_seed("t"))
    value = metrics.random_baselines(means, base, 10, None, horizon=30)["baseline"].iloc[0]
    assert value == pytest.approx(curve["mean"].iloc[9])


def test_normalized_regret_uses_campaign_and_baseline_bounds() -> None:
    df = trials_frame([
        ("r0", "t", "a", 0, 0, 0.4, None, "ok"), ("r0", "t", "a", 0, 1, 0.6, None, "ok"),
        ("r1", "t", "b", 0, 0, 0.8, None, "ok"), ("r2", "u", "a", 0, 0, 0.5, None, "ok"),
    ])
    baseline = pd.DataFrame({"benchmark": ["t", "t"], "loss": [0.2, 1.0]})
    bounds = metrics.loss_bounds(df, baseline).set_index("benchmark")
    assert (bounds.loc["t", "best_known"], bounds.loc["t", "worst_known"]) == (0.2, 1.0)
    finals = metrics.final_per_run(df)
    regret = metrics.normalized_regret(finals, bounds.reset_index()).set_index("run_id")["regret"]
    assert regret["r0"] == pytest.approx(0.25)  # (0.4 - 0.2) / 0.8
    assert regret["r1"] == pytest.approx(0.75)
    assert regret["r2"] == 0.0  # a task with a single loss has no spread: regret 0, not NaN
    per_optimizer = metrics.mean_regret(metrics.normalized_regret(finals, bounds.reset_index()))
    assert per_optimizer["a"] == pytest.approx((0.25 + 0.0) / 2)
