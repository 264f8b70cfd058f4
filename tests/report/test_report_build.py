"""build_report and `llmhpo report` on the hand-made synthetic campaign (tests/report/report_synthetic.py)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import report_synthetic as syn

from llmhpo.harness.cli import main
from llmhpo.harness.errors import UserError
from llmhpo.harness.report import build_report
from llmhpo.harness.report.ledger import llm_ledger
from llmhpo.harness.report.load import load_results


def test_report_files_exist_and_every_link_resolves(built: Path) -> None:
    out = built.parent
    assert built.name == "report.html" and out.name == "report"
    markdown = (out / "report.md").read_text(encoding="utf-8")
    html = built.read_text(encoding="utf-8")
    md_links = re.findall(r"\]\(([^)]+)\)", markdown)
    html_links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {link for link in md_links} == {link for link in html_links}
    pngs = [link for link in md_links if link.endswith(".png")]
    csvs = [link for link in md_links if link.endswith(".csv")]
    # 2 tasks x 3 optimizers: Friedman does not reject, so no Nemenyi diagram (a line says so instead)
    assert sorted(pngs) == ["figures/task_toy-a.png", "figures/task_toy-b.png"]
    assert "No critical-difference diagram: the Friedman test does not reject" in markdown
    assert "tables/summary_b3.csv" in csvs and "tables/ledger.csv" in csvs
    for link in md_links:
        path = out / link
        assert path.is_file() and path.stat().st_size > 0, link
        assert not Path(link).is_absolute()
    for png in pngs:
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<script" not in html  # a static page


def test_summary_matches_the_hand_computed_table(built: Path) -> None:
    summary = pd.read_csv(built.parent / "tables/summary_b3.csv").set_index("optimizer")
    for label, (beats, median, mean, rank, regret) in syn.EXPECTED_SUMMARY.items():
        row = summary.loc[label]
        assert row["beats_random_pct"] == pytest.approx(beats), label
        assert row["median_change_pct"] == pytest.approx(median), label
        assert row["mean_change_pct"] == pytest.approx(mean), label
        assert row["mean_rank"] == pytest.approx(rank), label
        assert row["mean_regret"] == pytest.approx(regret), label
    assert summary.index[0] == "gp"  # sorted by mean rank
    baseline = pd.read_csv(built.parent / "tables/baseline_b3.csv").set_index("benchmark")
    assert baseline.loc["toy/a", "baseline"] == pytest.approx(0.5)
    assert baseline.loc["toy/a", "baseline_source"] == "bootstrap of 500 random samples"
    assert baseline.loc["toy/b", "baseline"] == pytest.approx(0.2)
    assert "random-search" in baseline.loc["toy/b", "baseline_source"]


def test_incumbent_test_loss_is_reported_not_used_for_selection(built: Path) -> None:
    finals = pd.read_csv(built.parent / "tables/finals_b3.csv").set_index("run_id")
    row = finals.loc["toy_a-gp-s0"]  # losses 0.5, 0.3, 0.35: incumbent is trial 1
    assert (row["final"], row["incumbent_index"]) == (0.3, 1)
    assert row["incumbent_test_loss"] == pytest.approx(0.7)


def test_crashes_fallbacks_and_ledger_appear_in_the_report(built: Path) -> None:
    markdown = (built.parent / "report.md").read_text(encoding="utf-8")
    assert "1 crashed trial(s)" in markdown and "ValueError: boom" in markdown
    assert "1 trial(s) fell back to a random config" in markdown and "random-fallback" in markdown
    ledger = pd.read_csv(built.parent / "tables/ledger.csv").iloc[0]
    assert ledger["optimizer"] == syn.LLM and ledger["model"] == "local/smollm2-135m"
    for column, expected in syn.EXPECTED_LEDGER.items():
        assert ledger[column] == pytest.approx(expected), column
    assert ledger["cost_note"].startswith("lower bound")  # one trial's price is unknown
    assert "Total: 15 LLM calls, 1 cache hits" in markdown
    crashed = pd.read_csv(built.parent / "tables/crashed.csv")
    assert list(crashed["run_id"]) == ["toy_a-llm-s0"]


def test_ledger_sums_from_frames_and_leaves_unknown_prices_unknown(tmp_path: Path) -> None:
    results = load_results(syn.write_results(tmp_path))
    book = llm_ledger(results.trials).iloc[0]
    assert book["llm_calls"] == 15 and book["parse_failures"] == 4
    trials = results.trials.copy()
    trials["cost_usd"] = None
    trials["would_have_cost_usd"] = None
    unknown = llm_ledger(trials).iloc[0]
    assert unknown["live_cost_usd"] is None and unknown["cost_note"] == "prices unknown"
    no_llm = llm_ledger(trials.loc[~trials["has_llm"]])
    assert no_llm.empty


def test_cli_prints_the_report_path_and_maps_bad_input_to_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = syn.write_results(tmp_path / "out", baseline=False)
    # An output folder holding one campaign is accepted too.
    assert main(["report", str(tmp_path / "out"), "--out", str(tmp_path / "rep")]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str(tmp_path / "rep" / "report.html") and Path(printed).is_file()
    baseline = pd.read_csv(tmp_path / "rep/tables/baseline_b3.csv").set_index("benchmark")
    assert baseline.loc["toy/a", "baseline"] == pytest.approx(0.45)  # no baseline.jsonl: random runs
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "results directory not found" in capsys.readouterr().err
    (results / "trials.jsonl").write_text("{not json\n" + (results / "trials.jsonl").read_text(), encoding="utf-8")
    assert main(["report", str(results)]) == 2
    assert "line 1 is not valid JSON" in capsys.readouterr().err


def test_truncated_last_line_is_skipped_with_a_note_and_unfinished_runs_are_listed(tmp_path: Path) -> None:
    results = syn.write_results(tmp_path)
    lines = (results / "trials.jsonl").read_text(encoding="utf-8").splitlines()
    # Drop the last trial of one run (unfinished) and leave a half-written line at the end, as kill -9 can.
    kept = [line for line in lines if not (json.loads(line)["run_id"] == "toy_b-gp-s1" and json.loads(line)["index"] == 2)]
    (results / "trials.jsonl").write_text("\n".join(kept) + "\n" + kept[0][:40], encoding="utf-8")
    loaded = load_results(results)
    assert any("truncated last line" in note for note in loaded.notes)
    html = build_report(results, tmp_path / "rep")
    markdown = (html.parent / "report.md").read_text(encoding="utf-8")
    assert "truncated last line" in markdown
    assert "1 run(s) have fewer than 3 finished trials" in markdown and "toy_b-gp-s1" in markdown


def test_campaign_without_random_runs_or_second_task_skips_tests_cleanly(tmp_path: Path) -> None:
    results = syn.write_results(tmp_path, baseline=False)
    manifest = json.loads((results / "manifest.json").read_text())
    manifest["runs"] = [r for r in manifest["runs"] if r["optimizer"] != "random" and r["benchmark"] == "toy/a"]
    (results / "manifest.json").write_text(json.dumps(manifest))
    lines = [line for line in (results / "trials.jsonl").read_text().splitlines()
             if json.loads(line)["optimizer"] != "random" and json.loads(line)["benchmark"] == "toy/a"]
    (results / "trials.jsonl").write_text("\n".join(lines) + "\n")
    markdown = (build_report(results).parent / "report.md").read_text(encoding="utf-8")
    assert "Skipped: no task has a random baseline to compare with." in markdown
    assert "task `toy/a` left out of beats-random, change vs random and the Wilcoxon tests: no random baseline" in markdown
    assert "Skipped: needs at least 2 tasks" in markdown


def test_empty_or_missing_journal_is_a_user_error(tmp_path: Path) -> None:
    results = syn.write_results(tmp_path)
    (results / "trials.jsonl").write_text("")
    with pytest.raises(UserError, match="no finished trials"):
        build_report(results)
    shutil.rmtree(results)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for name in ("a", "b"):
        (tmp_path / name / "manifest.json").write_text("{}")
    with pytest.raises(UserError, match="several campaigns"):
        build_report(tmp_path)


def test_unfinished_campaign_reports_what_it_can(tmp_path: Path) -> None:
    results = syn.write_results(tmp_path)
    lines = [line for line in (results / "trials.jsonl").read_text().splitlines() if json.loads(line)["index"] == 0]
    (results / "trials.jsonl").write_text("\n".join(lines) + "\n")
    markdown = (build_report(results).parent / "report.md").read_text(encoding="utf-8")
    assert "No run has finished 3 trials yet" in markdown
    assert "12 finished trials of 36 planned" in markdown and "## LLM ledger" in markdown


def test_two_budgets_get_a_section_each(tmp_path: Path) -> None:
    results = syn.write_results(tmp_path)
    manifest = json.loads((results / "manifest.json").read_text())
    trials = [json.loads(line) for line in (results / "trials.jsonl").read_text().splitlines()]
    # Budget-2 runs: same losses as the first two trials of each budget-3 run, under their own run ids.
    manifest["runs"] += [{**r, "run_id": r["run_id"] + "-b2", "budget": 2} for r in manifest["runs"]]
    trials += [{**t, "run_id": t["run_id"] + "-b2", "budget": 2} for t in trials if t["index"] < 2]
    (results / "manifest.json").write_text(json.dumps(manifest))
    (results / "trials.jsonl").write_text("".join(json.dumps(t) + "\n" for t in trials))
    out = build_report(results).parent
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "## Budget 2" in markdown and "## Budget 3" in markdown
    b2 = pd.read_csv(out / "tables/finals_b2.csv").set_index("run_id")
    assert b2.loc["toy_a-gp-s0-b2", "final"] == 0.3 and len(b2) == 12
    b3 = pd.read_csv(out / "tables/summary_b3.csv").set_index("optimizer")
    assert b3.loc["gp", "mean_rank"] == pytest.approx(1.0)  # budget 3 still uses only the budget-3 runs
    means = pd.read_csv(out / "tables/task_means.csv")
    assert sorted(set(means["budget"])) == [2, 3]
