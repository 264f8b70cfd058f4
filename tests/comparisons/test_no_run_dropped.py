"""No run is silently dropped: an early-stopped run keeps its incumbent to the end of the budget in
every metric, an unfinished run and a task left out of the ranks are named, and the baseline's
sample count is stated (the bootstrap refused below the spec's number)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from llmhpo.harness.report import build_report
from llmhpo.harness.report.build import analyse_budget
from llmhpo.harness.report.load import load_results
from llmhpo.harness.report.metrics import loss_bounds
from tests.report import report_synthetic as syn


def _stop_early(directory: Path, run_id: str, keep: int) -> None:
    """Cut a run to its first `keep` trials and record that its optimizer stopped it."""
    lines = [line for line in (directory / "trials.jsonl").read_text().splitlines()
             if not (json.loads(line)["run_id"] == run_id and json.loads(line)["index"] >= keep)]
    (directory / "trials.jsonl").write_text("\n".join(lines) + "\n")
    (directory / "stopped.jsonl").write_text(json.dumps({"run_id": run_id, "after": keep, "reason": "patience: 1"}) + "\n")


def test_an_early_stopped_run_counts_with_its_incumbent(tmp_path: Path) -> None:
    directory = syn.write_results(tmp_path)
    # gp on toy/a seed 1: losses 0.6, 0.2, 0.4 -> stopped after 2 trials, incumbent 0.2 (its final anyway)
    _stop_early(directory, "toy_a-gp-s1", 2)
    results = load_results(directory)
    result = analyse_budget(results, 3, loss_bounds(results.trials, results.baseline), 3)
    assert result is not None and result.short_runs.empty
    finals = result.finals.set_index("run_id")
    assert finals.loc["toy_a-gp-s1", "final"] == 0.2 and finals.loc["toy_a-gp-s1", "n_trials"] == 2
    gp = result.summary.set_index("optimizer").loc["gp"]
    assert (gp["tasks"], gp["seeds"]) == (2, 2) and gp["mean_rank"] == 1.0  # nothing dropped from the ranks
    assert list(result.stopped_runs["run_id"]) == ["toy_a-gp-s1"]

    out = build_report(directory)
    markdown = (out.parent / "report.md").read_text()
    assert "were stopped early by their optimizer (patience) and keep their incumbent up to trial 3" in markdown
    curves = pd.read_csv(out.parent / "tables/best_so_far.csv")
    padded = curves.loc[curves["run_id"] == "toy_a-gp-s1"].sort_values("step")
    assert padded["step"].tolist() == [1, 2, 3] and padded["best"].tolist() == [0.6, 0.2, 0.2]


def test_unfinished_run_and_incomplete_task_are_named(tmp_path: Path) -> None:
    directory = syn.write_results(tmp_path)
    lines = [line for line in (directory / "trials.jsonl").read_text().splitlines()
             if not (json.loads(line)["run_id"].startswith("toy_b-gp-") and json.loads(line)["index"] >= 1)]
    (directory / "trials.jsonl").write_text("\n".join(lines) + "\n")  # gp on toy/b: unfinished, both seeds
    markdown = (build_report(directory).parent / "report.md").read_text()
    assert "2 run(s) have fewer than 3 finished trials and did not stop early" in markdown
    assert "task `toy/b` left out of the ranks and the Friedman test: no complete result for gp" in markdown


@pytest.mark.parametrize(("required", "used"), [(500, True), (600, False)])
def test_baseline_sample_count_is_stated_and_the_bootstrap_refused_below_the_spec(tmp_path: Path, required, used) -> None:
    directory = syn.write_results(tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["spec"]["baseline_samples"] = required
    (directory / "manifest.json").write_text(json.dumps(manifest))
    out = build_report(directory).parent
    table = pd.read_csv(out / "tables/baseline_b3.csv").set_index("benchmark")
    assert table.loc["toy/a", "samples"] == 500 and table.loc["toy/b", "samples"] == 0
    markdown = (out / "report.md").read_text()
    if used:
        assert table.loc["toy/a", "baseline_source"] == "bootstrap of 500 random samples"
    else:
        assert table.loc["toy/a", "baseline_source"] == "bootstrap refused: 500 of 600 samples; 2 random-search run(s)"
        assert "task `toy/a`: bootstrap refused: 500 of 600 samples" in markdown
