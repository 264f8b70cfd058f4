"""Issue #23 points 1, 3, 4 in the report: confidence intervals over tasks, what a test can reach
with the tasks at hand, the Bayesian signed-rank verdict and the provenance share, on synthetic
results with known answers (N tasks; random at 1.0, gp at 0.5, llm alternating 0.9 / 1.1, half of
the llm's trials perturbed by the harness)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from llmhpo.harness.report import build_report
from llmhpo.harness.report.bayes import signed_rank
from llmhpo.harness.report.uncertainty import bootstrap_ci, small_sample_sentences, smallest_wilcoxon_p

LLM = "llm@m"


def write_campaign(root: Path, n_tasks: int) -> Path:
    directory = root / f"c{n_tasks}"
    directory.mkdir(parents=True)
    runs, rows = [], []
    for t in range(n_tasks):
        task = f"toy/t{t:02d}"
        for label, loss in (("random", 1.0), ("gp", 0.5), (LLM, 0.9 if t % 2 == 0 else 1.1)):
            run_id = f"{task}-{label}"
            is_llm = label == LLM
            runs.append({"run_id": run_id, "benchmark": task, "optimizer": label, "optimizer_name": label.split("@")[0],
                         "model": "m" if is_llm else None, "options": {}, "seed": 0, "budget": 2})
            for index in range(2):
                row = {"run_id": run_id, "index": index, "benchmark": task, "optimizer": label,
                       "optimizer_name": label.split("@")[0], "model": "m" if is_llm else None, "seed": 0,
                       "budget": 2, "config": {"x": index}, "loss": loss + index, "test_loss": loss,
                       "source": label}
                if is_llm:
                    row["parse"] = {"outcome": "reasked" if index else "ok", "repairs": [], "attempts": 1 + index}
                    row["source"] = "llm-perturbed" if index else "llm"
                    row["provenance"] = "perturbed" if index else "model"
                rows.append(row)
    manifest = {"campaign": directory.name, "spec": {"name": directory.name}, "spec_hash": "ab" * 32,
                "cache": {"path": "", "mode": "live"}, "runs": runs}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    (directory / "trials.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return directory


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("uncertainty")
    out = {}
    for n in (2, 12):
        build_report(write_campaign(root, n), root / f"report{n}")
        out[n] = root / f"report{n}"
    return out


def summary(report: Path) -> pd.DataFrame:
    return pd.read_csv(report / "tables" / "summary_b2.csv").set_index("optimizer")


def test_intervals_over_tasks_have_the_known_values(reports: dict[int, Path]) -> None:
    s = summary(reports[12])
    gp, llm = s.loc["gp"], s.loc[LLM]
    for metric, value in (("beats_random_pct", 100.0), ("median_change_pct", 50.0), ("mean_change_pct", 50.0),
                          ("mean_rank", 1.0)):
        assert gp[metric] == pytest.approx(value)
        assert (gp[f"{metric}_ci_low"], gp[f"{metric}_ci_high"]) == pytest.approx((value, value))  # no spread
    assert llm["beats_random_pct"] == 50.0 and llm["mean_change_pct"] == pytest.approx(0.0, abs=1e-9)
    assert 0.0 < llm["beats_random_pct_ci_low"] < 50.0 < llm["beats_random_pct_ci_high"] < 100.0
    assert -10.0 < llm["mean_change_pct_ci_low"] < -1.0 and 1.0 < llm["mean_change_pct_ci_high"] < 10.0
    assert llm["mean_rank"] == 2.5 and 2.0 < llm["mean_rank_ci_low"] < 2.5 < llm["mean_rank_ci_high"] < 3.0
    two = summary(reports[2]).loc[LLM]  # 2 tasks: the interval spans both outcomes
    assert (two["beats_random_pct_ci_low"], two["beats_random_pct_ci_high"]) == (0.0, 100.0)
    md = (reports[12] / "report.md").read_text()
    assert "100.0% [100.0%, 100.0%]" in md and "50.0% [" in md  # shown in the table


def test_the_small_sample_sentence_comes_before_the_tables_for_2_tasks_only(reports: dict[int, Path]) -> None:
    small, large = (reports[n] / "report.md" for n in (2, 12))
    small_md, large_md = small.read_text(), large.read_text()
    assert "smallest p-value a Wilcoxon signed-rank test can reach is 2/2^2 = 0.5" in small_md
    assert "No test in this report can reject" in small_md
    assert small_md.index("No test in this report can reject") < small_md.index("| optimizer | tasks |")
    assert "2/2^12 = 0.000488" in large_md and "No test in this report can reject" not in large_md
    assert smallest_wilcoxon_p(5) == 1 / 16 and smallest_wilcoxon_p(6) == 1 / 32
    assert len(small_sample_sentences(5, 1)) == 2 and len(small_sample_sentences(6, 1)) == 1


def test_the_bayesian_verdicts_have_the_known_answers(reports: dict[int, Path]) -> None:
    table = pd.read_csv(reports[12] / "tables" / "bayes_b2.csv").set_index(["optimizer", "versus"])
    assert table.loc[("gp", "random"), "p_better"] > 0.99
    assert table.loc[(LLM, "gp"), "p_worse"] > 0.99
    assert "Bayesian signed-rank test (Benavoli et al. 2017" in (reports[12] / "report.md").read_text()


def test_bayesian_signed_rank_known_answers() -> None:
    assert signed_rank(np.full(12, -0.2))[0] == pytest.approx(1.0)
    assert signed_rank(np.zeros(12))[1] == pytest.approx(1.0)
    assert signed_rank(np.full(12, 0.005))[1] == pytest.approx(1.0)  # inside the +-1% ROPE
    assert signed_rank(np.full(12, 0.3))[2] == pytest.approx(1.0)
    mixed = np.random.default_rng(3).normal(0.0, 0.2, 20)
    assert signed_rank(mixed) == signed_rank(mixed)  # seeded
    assert sum(signed_rank(mixed)) == pytest.approx(1.0)


def test_bootstrap_ci_edge_cases() -> None:
    assert np.isnan(bootstrap_ci(np.array([3.0]))[0])
    assert bootstrap_ci(np.array([2.0, 2.0, 2.0])) == (2.0, 2.0)
    low, high = bootstrap_ci(np.arange(1.0, 11.0))
    assert 1.0 < low < 5.5 < high < 10.0


def test_the_main_table_and_fidelity_section_show_who_chose_the_configs(reports: dict[int, Path]) -> None:
    s = summary(reports[2]).loc[LLM]
    assert s["model_chose_pct"] == 50.0 and s["harness_chose_pct"] == 50.0 and s["llm_trials"] == 4
    md = (reports[2] / "report.md").read_text()
    assert "| model chose |" in md and "50.0%" in md
    assert "WARNING: `llm@m`: 50% of its 4 LLM configs were chosen by the harness" in md
    assert "provenance llm@m: the model chose 50% of 4 configs unchanged (model 2, repaired 0, reasked 0, " \
           "perturbed 2, fallback 0)  WARNING" in md
