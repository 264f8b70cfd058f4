"""The report's statistics on hand-computed tables (Demšar 2006; Benavoli et al. 2016).

Each expected number below is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from llmhpo.harness.report import metrics, stats


def matrix_from_ranks(rows: list[list[int]], labels: str = "abc") -> pd.DataFrame:
    """A loss matrix whose per-task ranks are `rows` (loss = rank / 10)."""
    return pd.DataFrame([[r / 10 for r in row] for row in rows], columns=list(labels),
                        index=[f"t{i}" for i in range(len(rows))])


def test_friedman_with_iman_davenport_rejects_on_a_hand_computed_table():
    # ranks of a, b, c on 5 tasks -> R = (1.2, 2.0, 2.8)
    table = matrix_from_ranks([[1, 2, 3], [1, 2, 3], [1, 3, 2], [2, 1, 3], [1, 2, 3]])
    test = stats.friedman_iman_davenport(table.to_numpy())
    # chi2_F = 12N/(k(k+1)) * (sum R^2 - k(k+1)^2/4) = 12*5/12 * (1.44 + 4 + 7.84 - 12) = 5 * 1.28 = 6.4
    assert test.chi2 == pytest.approx(6.4)
    assert test.chi2_p == pytest.approx(math.exp(-3.2))  # chi2 with 2 d.f.: p = exp(-x/2)
    # F_F = (N-1) chi2 / (N(k-1) - chi2) = 4 * 6.4 / (10 - 6.4) = 7.111, with (2, 8) d.f.
    assert test.f == pytest.approx(25.6 / 3.6)
    # F(2, 8) survival: (1 + 2F/8)^(-4) = (1 + 1.7778)^(-4)
    assert test.p == pytest.approx((1 + 2 * (25.6 / 3.6) / 8) ** -4)
    assert test.p < test.chi2_p  # Iman-Davenport (0.017) is less conservative than the chi-square (0.041)
    assert test.rejects
    cd = stats.critical_difference(table)
    assert cd is not None and cd.draw
    assert cd.avg_ranks.to_dict() == pytest.approx({"a": 1.2, "b": 2.0, "c": 2.8})
    # Demšar Table 5(a): q_0.05(k=3) = 2.343; CD = 2.343 * sqrt(3*4 / (6*5)) = 1.4819
    assert cd.cd == pytest.approx(2.343 * math.sqrt(12 / 30), abs=1e-3)
    # a-c differ by 1.6 > CD; a-b (0.8) and b-c (0.8) within it
    assert cd.cliques == [("a", "b"), ("b", "c")]


def test_friedman_that_does_not_reject_gives_no_post_hoc_and_no_diagram():
    # every permutation once: all average ranks are 2, chi2 = 0, F = 0, p = 1
    table = matrix_from_ranks([[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]])
    cd = stats.critical_difference(table)
    assert cd is not None and cd.friedman is not None
    assert cd.friedman.chi2 == pytest.approx(0.0) and cd.friedman.f == pytest.approx(0.0)
    assert cd.friedman.p == pytest.approx(1.0)
    assert not cd.draw and math.isnan(cd.cd) and cd.cliques == []
    assert "does not reject" in cd.note
    # perfect agreement: chi2 = N(k-1) = 8, F infinite, p 0
    perfect = stats.friedman_iman_davenport(matrix_from_ranks([[1, 2, 3]] * 4).to_numpy())
    assert perfect.chi2 == pytest.approx(8.0) and math.isinf(perfect.f) and perfect.p == 0.0


def test_two_optimizers_or_one_task_skip_friedman():
    two = stats.critical_difference(matrix_from_ranks([[1, 2], [2, 1]], "ab"))
    assert two is not None and two.friedman is None and not two.draw and "3 optimizers" in two.note
    assert stats.critical_difference(matrix_from_ranks([[1, 2, 3]])) is None


def test_nemenyi_cd_matches_demsar_table():
    # Demšar (2006) Table 5(a): q_0.05 = 1.960 (k=2), 2.343 (k=3), 2.728 (k=5)
    assert stats.nemenyi_cd(2, 10) == pytest.approx(1.960 * math.sqrt(2 * 3 / 60), abs=1e-3)
    assert stats.nemenyi_cd(3, 8) == pytest.approx(2.343 * math.sqrt(3 * 4 / 48), abs=1e-3)
    assert stats.nemenyi_cd(5, 10) == pytest.approx(2.728 * math.sqrt(5 * 6 / 60), abs=1e-3)


def test_wilcoxon_over_task_means_with_holm_correction():
    # relative differences to random per task (negative = better than random)
    rows = [("x", f"t{i}", d) for i, d in enumerate([-0.1, -0.2, -0.3, -0.4, 0.05, -0.5])]
    rows += [("y", f"t{i}", d) for i, d in enumerate([-0.1, -0.2, -0.3, -0.4, -0.05, -0.5])]
    rows += [("z", "t0", 0.0), ("z", "t1", 0.0), ("w", "t0", -0.1), ("w", "t1", 0.0)]
    table = stats.wilcoxon_vs_random(pd.DataFrame(rows, columns=["optimizer", "benchmark", "diff"])).set_index("optimizer")
    x, y = table.loc["x"], table.loc["y"]
    # x: |d| ranks 0.05->1, 0.1->2, ..., 0.5->6; W+ = 1, W- = 20; exact two-sided p = 2 * #{subsets summing <= 1}/2^6 = 4/64
    assert (x["n_tasks"], x["wins"], x["ties"], x["losses"]) == (6, 5, 0, 1)
    assert x["statistic"] == 1.0 and x["p_value"] == pytest.approx(4 / 64)
    # y: all six negative, W = 0, p = 2/64
    assert y["statistic"] == 0.0 and y["p_value"] == pytest.approx(2 / 64)
    # Holm over the two tested: sorted 2/64 * 2 = 4/64, then max(4/64, 4/64 * 1) = 4/64
    assert y["p_holm"] == pytest.approx(4 / 64) and x["p_holm"] == pytest.approx(4 / 64)
    assert table.loc["z", "note"] == "all tasks tied" and math.isnan(table.loc["z", "p_holm"])
    assert table.loc["w", "note"] == "too few untied tasks"


def test_wilcoxon_uses_seed_means_and_the_same_baseline_as_beats_random():
    """Seeds are averaged first (one pair per task), scales are relative, and random search enters
    as its baseline, the value beats-random uses; its rank uses that baseline too."""
    finals = pd.DataFrame(
        [(t, o, s, v) for t, o, vals in [
            ("big", "gp", [10.0, 30.0]), ("big", "random", [50.0, 50.0]),
            ("small", "gp", [0.05, 0.05]), ("small", "random", [0.2, 0.3]),
            ("mid", "gp", [0.6, 0.6]), ("mid", "random", [0.4, 0.4]),
        ] for s, v in enumerate(vals)],
        columns=["benchmark", "optimizer", "seed", "final"],
    )
    finals["incumbent_test_loss"] = np.nan
    means = metrics.task_means(finals)
    boot = pd.DataFrame({"benchmark": ["big", "mid", "small"], "baseline": [40.0, 0.5, 0.1], "baseline_se": 0.0,
                         "samples": 500, "baseline_source": "bootstrap"})
    rel = metrics.relative_to_random(means, boot, "random").set_index("benchmark")["diff"]
    # seed means: big gp 20 vs 40 -> -0.5; mid 0.6 vs 0.5 -> +0.2; small 0.05 vs 0.1 -> -0.5
    assert rel.to_dict() == pytest.approx({"big": -0.5, "mid": 0.2, "small": -0.5})
    matrix, notes = metrics.rank_matrix(means, boot, "random")
    assert notes == []
    # random's column is the bootstrap baseline (40, 0.5, 0.1), not its runs' means (50, 0.4, 0.25)
    assert matrix["random"].to_dict() == {"big": 40.0, "mid": 0.5, "small": 0.1}
    ranks = metrics.mean_rank(matrix)
    assert ranks.to_dict() == pytest.approx({"gp": (1 + 2 + 1) / 3, "random": (2 + 1 + 2) / 3})
    beats = metrics.versus_random(means, boot).set_index("optimizer")
    assert beats.loc["gp", "beats_random_pct"] == pytest.approx(200 / 3)  # big and small, as the ranks say
    # |d| = 0.5, 0.2, 0.5 -> ranks 2.5, 1, 2.5; W+ = 1 (mid), normal approximation with ties
    table = stats.wilcoxon_vs_random(metrics.relative_to_random(means, boot, "random")).set_index("optimizer")
    assert table.loc["gp", "n_tasks"] == 3 and table.loc["gp", "statistic"] == 1.0
    assert table.loc["gp", "p_value"] == pytest.approx(sps.wilcoxon([-0.5, 0.2, -0.5]).pvalue)


def test_bootstrap_is_refused_below_the_specs_sample_count():
    means = pd.DataFrame([("t", "random", 0.3, 0.01, 2)], columns=["benchmark", "optimizer", "mean_final", "se_final", "n_seeds"])
    base = pd.DataFrame({"benchmark": ["t"] * 40, "loss": np.linspace(0.1, 0.9, 40)})
    refused = metrics.random_baselines(means, base, 5, "random", min_samples=50).iloc[0]
    assert refused["baseline"] == 0.3 and refused["samples"] == 40
    assert refused["baseline_source"] == "bootstrap refused: 40 of 50 samples; 2 random-search run(s)"
    used = metrics.random_baselines(means, base, 5, "random", min_samples=40).iloc[0]
    assert used["baseline_source"] == "bootstrap of 40 random samples" and used["baseline"] < 0.3


def test_the_reports_definitions_state_what_the_code_does():
    from llmhpo.harness.report.build import DEFINITIONS

    text = " ".join(DEFINITIONS)
    assert f"{metrics.N_BOOT} seeded bootstrap draws" in text
    assert f"{metrics.MIN_BOOTSTRAP_SAMPLES} when the spec names no number" in text
    assert "keeps its incumbent for the rest of the budget" in text
    assert "random search by the same random baseline" in text
    assert "Iman-Davenport" in text and "only when it rejects" in text and f"alpha = {stats.ALPHA}" in text
    assert "Holm" in text and "over tasks" in text and "(seed-mean final - baseline) / |baseline|" in text
