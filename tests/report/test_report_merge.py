"""`llmhpo report A B ...` and the model comparison section, on real toy campaigns whose LLM optimizer
talks to the OpenAI wire-format test server: A runs a `models = [...]` axis (one model priced by
litellm's map, one self-hosted model with no price), B is A's spec re-run with `--model` (a new model
beside a published run). Incompatible sources (another budget, another fidelity) are refused with
located lines, exit 2, nothing written."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from llmhpo.harness.cli import main
from llmhpo.harness.errors import UserError
from llmhpo.harness.report import build_report
from llmhpo.harness.report.models import pareto
from tests.servers import OpenAIServer

SPEC = """
name = "cmp"
budget = {budget}
seeds = 2
benchmarks = ["toy/branin", "toy/himmelblau-shifted"]
workers = 1
baseline_samples = {samples}
[[optimizers]]
name = "random"
[[optimizers]]
name = "llm"
models = ["openai/gpt-4o-mini", "openai/my-model"]
"""
PRICED, UNPRICED, NEW = "llm@openai/gpt-4o-mini", "llm@openai/my-model", "llm@openai/gpt-4o"


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """A (models axis, 40 baseline samples), B (A's spec with --model, 60 samples), C (budget 3)."""
    root = tmp_path_factory.mktemp("merge")
    server = OpenAIServer().start()
    env = {"OPENAI_API_BASE": server.url, "OPENAI_API_KEY": "sk-test-openai-0123456789",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    made: dict[str, Path] = {}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        mp.delenv("OPENAI_BASE_URL", raising=False)
        for key, budget, samples, extra in (("A", 4, 40, []), ("B", 4, 60, ["--model", "openai/gpt-4o"]),
                                             ("C", 3, 0, [])):
            spec = root / f"{key}.toml"
            spec.write_text(SPEC.format(budget=budget, samples=samples))
            assert main(["run", str(spec), "--out", str(root / key), "--cache", str(root / "cache"), *extra]) == 0
            made[key] = root / key / "cmp"
    server.stop()
    yield made


def _markdown(html: Path) -> str:
    return (html.parent / "report.md").read_text(encoding="utf-8")


def test_two_compatible_campaigns_merge_into_one_report(campaigns, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["report", str(campaigns["A"]), str(campaigns["B"]), "--out", str(out)]) == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    # the header lists every source: name, path, created_at, llmhpo version
    sources = md.split("## Sources", 1)[1].split("##", 1)[0]
    for key in ("A", "B"):
        manifest = json.loads((campaigns[key] / "manifest.json").read_text())
        row = next(line for line in sources.splitlines() if line.startswith(f"| {key} |"))
        assert str(campaigns[key]) in row and manifest["created_at"] in row and manifest["llmhpo_version"] in row
    # B repeats A's random runs identically: counted once; its new model sits beside A's two
    assert "`random`: identical runs in A and B, counted once (A's)" in md
    summary = pd.read_csv(out / "tables/summary_b4.csv")
    assert sorted(summary["optimizer"]) == sorted(["random", PRICED, UNPRICED, NEW])
    finals = pd.read_csv(out / "tables/finals_b4.csv")
    assert set(finals.loc[finals["optimizer"] == NEW, "run_id"].str[:2]) == {"B:"}
    assert set(finals.loc[finals["optimizer"] == "random", "run_id"].str[:2]) == {"A:"}
    # baselines pooled by sample index: A's 40 are B's first 40
    assert "task `toy/branin`: baseline samples pooled (A 40, B 60): 60 distinct" in md
    baseline = pd.read_csv(out / "tables/baseline_b4.csv")
    assert set(baseline["samples"]) == {60}
    assert "Source A (`cmp`):" in md and "Source B (`cmp`):" in md  # fidelity per source
    assert "## Model comparison" in md


def test_model_comparison_reuses_the_summary_and_the_ledger_and_keeps_unknown_prices_unknown(campaigns, tmp_path):
    html = build_report([campaigns["A"], campaigns["B"]], tmp_path / "cmp")
    out = html.parent
    table = pd.read_csv(out / "tables/models_b4.csv").set_index("optimizer")
    summary = pd.read_csv(out / "tables/summary_b4.csv").set_index("optimizer")
    ledger = pd.read_csv(out / "tables/ledger.csv").set_index("optimizer")
    assert sorted(table.index) == sorted([PRICED, UNPRICED, NEW])  # LLM rows only
    for label in table.index:
        for column in ("beats_random_pct", "mean_rank", "mean_regret"):
            assert table.loc[label, column] == pytest.approx(summary.loc[label, column])
        for column in ("llm_calls", "prompt_tokens", "completion_tokens", "reasked", "repairs", "fallbacks"):
            assert table.loc[label, column] == ledger.loc[label, column]
        assert table.loc[label, "llm_calls"] > 0 and table.loc[label, "live_calls_timed"] > 0
        assert 0 <= table.loc[label, "latency_p50_s"] <= table.loc[label, "latency_p95_s"]
    # priced at list prices vs no price known: unknown, never $0, and never on the Pareto front
    assert table.loc[PRICED, "would_have_cost_usd"] > 0 and table.loc[NEW, "would_have_cost_usd"] > 0
    assert pd.isna(table.loc[UNPRICED, "would_have_cost_usd"]) and pd.isna(table.loc[UNPRICED, "live_cost_usd"])
    assert not table.loc[UNPRICED, "pareto"]
    section = _markdown(html).split("## Model comparison", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in section.splitlines() if line.startswith(f"| {UNPRICED} |"))
    assert "| unknown | unknown | prices unknown |" in row and "$0" not in row
    # the figure is a real PNG linked from the report
    assert (out / "figures/models_b4.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![cost vs quality per optimizer@model, budget 4](figures/models_b4.png)" in _markdown(html)


def test_one_campaign_with_a_models_axis_has_the_section_one_model_has_none(campaigns, tmp_path):
    axis = build_report(campaigns["A"], tmp_path / "a")
    assert "## Model comparison" in _markdown(axis) and (axis.parent / "tables/models_b4.csv").is_file()
    single = build_report(campaigns["B"], tmp_path / "b")
    md = _markdown(single)
    assert "## Model comparison" not in md and "## Sources" not in md
    assert not (single.parent / "tables/models_b4.csv").exists()
    assert not list((single.parent / "figures").glob("models_*"))


def test_a_different_budget_is_refused_naming_it_and_nothing_is_written(campaigns, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["report", str(campaigns["A"]), str(campaigns["C"]), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"B: budget 3 != 4 in A \(run toy-branin\.[^ ]+\.b3\.s0\)", err), err
    assert "B: has no runs of budget 4 (as A has)" in err
    assert not out.exists()


def test_several_sources_need_out_and_a_missing_one_is_named(campaigns, tmp_path, capsys):
    assert main(["report", str(campaigns["A"]), str(campaigns["B"])]) == 2
    assert "--out" in capsys.readouterr().err
    assert not (campaigns["A"] / "report").exists()
    assert main(["report", str(campaigns["A"]), str(tmp_path / "nowhere"), "--out", str(tmp_path / "never")]) == 2
    assert f"results directory not found: {tmp_path / 'nowhere'}" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


def test_a_different_fidelity_is_refused_as_a_fidelity(tmp_path, capsys):
    """Real SVM training at two fidelities of one task: `@subsample=0.5` is another task."""
    dirs = []
    for key, task in (("A", "svm/australian"), ("B", "svm/australian@subsample=0.5")):
        spec = tmp_path / f"{key}.toml"
        spec.write_text(f'name = "fid"\nbudget = 2\nseeds = 1\nbenchmarks = ["{task}"]\nworkers = 1\n'
                        '[[optimizers]]\nname = "random"\n')
        assert main(["run", str(spec), "--out", str(tmp_path / key), "--cache", str(tmp_path / "cache")]) == 0
        dirs.append(str(tmp_path / key / "fid"))
    capsys.readouterr()
    assert main(["report", *dirs, "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert "B: task svm/australian ran at subsample=0.5, in A at the default fidelity" in err
    assert not (tmp_path / "never").exists()
    with pytest.raises(UserError, match="B: task svm/australian ran at the default fidelity, in A at subsample=0.5"):
        build_report(dirs[::-1], tmp_path / "never")


def test_a_changed_benchmark_is_refused_by_its_recorded_version_or_its_losses(campaigns, tmp_path):
    import shutil

    copy = tmp_path / "cmp"
    shutil.copytree(campaigns["B"], copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["benchmark_versions"]["toy/branin"] = "99"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match=r"B: benchmark toy/branin version 99 != 1 in A"):
        build_report([campaigns["A"], copy], tmp_path / "never")
    # an older campaign without recorded versions: the same evaluation with another loss gives it away
    del manifest["benchmark_versions"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    rows = [json.loads(line) for line in (copy / "trials.jsonl").read_text().splitlines()]
    first = next(r for r in rows if r["optimizer"] == "random" and r["status"] == "ok")
    first["loss"] += 0.5
    (copy / "trials.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(UserError, match=r"B: toy/\S+ seed \d config .* has loss .* in A .*: the benchmark is not the same"):
        build_report([campaigns["A"], copy], tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_pareto_front():
    nan = float("nan")
    front = pareto(pd.Series([1.0, 2.0, 0.5, 3.0, nan]).to_numpy(), pd.Series([0.2, 0.1, 0.3, 0.1, 0.0]).to_numpy())
    assert front.tolist() == [True, True, True, False, False]  # 3.0 costs more for the same 0.1; NaN is unknown


def test_a_label_whose_runs_differ_is_kept_per_source_and_identical_ones_once(tmp_path):
    """Hand-made campaigns (tests/report/report_synthetic.py): B's LLM runs proposed other configs."""
    import report_synthetic as syn

    a = syn.write_results(tmp_path / "a")
    b = syn.write_results(tmp_path / "b")
    rows = [json.loads(line) for line in (b / "trials.jsonl").read_text().splitlines()]
    for row in rows:
        if row["optimizer"] == syn.LLM:
            row["config"] = {"x": row["config"]["x"] + 0.05}
            row["loss"] -= 0.01
    (b / "trials.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    html = build_report([a, b], tmp_path / "cmp", given=["published.llmhpo", "mine"])
    md = _markdown(html)
    summary = pd.read_csv(html.parent / "tables/summary_b3.csv")
    assert sorted(summary["optimizer"]) == sorted(["random", "gp", syn.LLM, f"{syn.LLM} [B]"])
    assert f"`{syn.LLM}` ran in A and B with different results: B's is shown as `{syn.LLM} [B]`" in md
    assert "`gp`: identical runs in A and B, counted once (A's)" in md
    assert "A: benchmark versions not recorded" in md
    assert "| A | synthetic | published.llmhpo |" in md  # the source as the user named it
    # one model under two labels is still one model: no comparison section
    assert "## Model comparison" not in md


def test_other_tasks_and_seeds_are_each_named(tmp_path):
    import report_synthetic as syn

    a = syn.write_results(tmp_path / "a")
    b = syn.write_results(tmp_path / "b")
    for name in ("manifest.json", "trials.jsonl"):
        text = (b / name).read_text().replace("toy/b", "toy/c").replace('"seed": 1', '"seed": 2')
        (b / name).write_text(text)
    with pytest.raises(UserError) as err:
        build_report([a, b], tmp_path / "never")
    lines = str(err.value).splitlines()
    assert lines[0] == "cannot merge these campaigns into one report:"
    assert lines[1:] == ["  - B: task toy/c is not in A", "  - B: lacks task toy/b of A",
                         "  - B: seeds [0, 2] != [0, 1] in A"]
    assert not (tmp_path / "never").exists()


def test_latency_is_unknown_without_timed_calls_and_a_lower_bound_cost_is_off_the_front(tmp_path):
    """Hand-made campaigns have no transcripts (as campaigns recorded before latency was): latency is
    unknown, said so; A's LLM trials include one of unknown price, so its cost is a lower bound."""
    import report_synthetic as syn

    a = syn.write_results(tmp_path / "a")
    b = syn.write_results(tmp_path / "b")
    for name in ("manifest.json", "trials.jsonl"):
        (b / name).write_text((b / name).read_text().replace("local/smollm2-135m", "local/other"))
    html = build_report([a, b], tmp_path / "cmp")
    table = pd.read_csv(html.parent / "tables/models_b3.csv").set_index("optimizer")
    other = "llm@local/other"
    assert sorted(table.index) == sorted([syn.LLM, other])
    assert table["live_calls_timed"].tolist() == [0, 0] and table["latency_p50_s"].isna().all()
    assert (table["cost_note"] == "lower bound: some prices unknown").all() and not table["pareto"].any()
    md = _markdown(html)
    assert f"Latency unknown for `{other}`, `{syn.LLM}`: no call was sent to a provider" in md
    assert (html.parent / "figures/models_b3.png").is_file()
