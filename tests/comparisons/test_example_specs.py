"""Each example spec reproduces one table or figure of a paper: its header names it, and the parsed
spec has the settings the header claims (and docs/PROTOCOLS.md covers every spec)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmhpo.harness.spec.campaign_spec import load_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROTOCOLS = Path(__file__).resolve().parents[2] / "docs" / "PROTOCOLS.md"


def header(name: str) -> str:
    lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if line.startswith("#"))


def by_label(spec) -> dict:
    return {o.label: o for o in spec.optimizers}


def test_every_example_has_a_header_naming_its_source_settings_and_deviations():
    names = sorted(p.name for p in EXAMPLES.glob("*.toml"))
    assert names == ["mm-llm-hpo.toml", "sllmbo.toml", "zhang-table1.toml", "zhang-table3.toml"]
    protocols = PROTOCOLS.read_text(encoding="utf-8")
    for name in names:
        text = header(name)
        assert text.startswith("# Reproduces"), name
        assert "Settings taken from the paper" in text and "Deviations" in text, name
        assert f"examples/{name}" in protocols, name


def test_zhang_table1_is_chain_of_thought_chat_budget_10():
    text = header("zhang-table1.toml")
    assert "Table 1" in text and "CoT" in text
    spec = load_spec(EXAMPLES / "zhang-table1.toml")
    assert spec.budgets == (10,) and spec.seeds == (0,) and spec.baseline_samples == 500
    assert len(spec.benchmarks) == 32
    llms = [o for o in spec.optimizers if o.name == "llm"]
    assert {o.model for o in llms} == {"openai/gpt-4-1106-preview", "openai/gpt-4-0613", "openai/gpt-3.5-turbo-0613"}
    assert all(o.options == {"style": "chat", "cot": True} for o in llms)
    assert sorted(o.name for o in spec.optimizers if o.model is None) == ["random", "smac-gp", "smac-rf"]
    assert all(o.options == {"initial_design": "smac"} for o in spec.optimizers if o.name.startswith("smac"))


def test_zhang_table3_is_compressed_budget_30_gpt4_turbo_with_and_without_cot():
    assert "Table 3" in header("zhang-table3.toml")
    spec = load_spec(EXAMPLES / "zhang-table3.toml")
    assert spec.budgets == (30,) and spec.seeds == (0,) and len(spec.benchmarks) == 32
    opts = by_label(spec)
    assert opts["gpt-4-turbo-cot"].options == {"style": "compressed", "cot": True}
    assert opts["gpt-4-turbo"].options == {"style": "compressed", "cot": False}
    assert {o.model for o in spec.optimizers if o.name == "llm"} == {"openai/gpt-4-1106-preview"}
    assert sorted(o.name for o in spec.optimizers if o.model is None) == ["random", "smac-gp", "smac-rf"]
    assert all(o.options == {"initial_design": "smac"} for o in spec.optimizers if o.name.startswith("smac"))


def test_mm_llm_hpo_gives_llm_and_mmllm_the_same_prompt_style():
    text = header("mm-llm-hpo.toml")
    assert "Figure 2" in text and "Figure 3" in text
    spec = load_spec(EXAMPLES / "mm-llm-hpo.toml")
    assert spec.budgets == (10,)
    assert sorted(spec.benchmarks) == sorted(f"{m}/{d}" for m in ("svm", "xgb") for d in ("phoneme", "segment", "credit-g", "kc1"))
    llms = {o.name: o for o in spec.optimizers if o.model}
    assert set(llms) == {"llm", "mmllm", "mmllm-image-only"}
    assert {tuple(sorted(o.options.items())) for o in llms.values()} == {(("space_style", "json"), ("style", "compressed"))}
    assert {o.model for o in llms.values()} == {"openai/gpt-4-turbo"}


def test_sllmbo_patience_and_dynamic_search_space():
    assert "SLLMBO" in header("sllmbo.toml")
    spec = load_spec(EXAMPLES / "sllmbo.toml")
    llm_tpe = [o for o in spec.optimizers if o.name == "llm-tpe"]
    assert len(llm_tpe) == 3 and all(o.options == {"p": 0.5, "patience": 5, "narrow_every": 1} for o in llm_tpe)
    (llm,) = [o for o in spec.optimizers if o.name == "llm"]
    assert llm.options == {"patience": 15} and llm.model == "openai/gpt-4o"
    assert {"tpe", "random"} <= {o.name for o in spec.optimizers}


@pytest.mark.parametrize("name", ["zhang-table1.toml", "zhang-table3.toml", "mm-llm-hpo.toml", "sllmbo.toml"])
def test_every_example_runs_offline_with_the_local_model_override(name):
    spec = load_spec(EXAMPLES / name, model_override="local/smollm2-135m")
    assert spec.runs and all(r.model in (None, "local/smollm2-135m") for r in spec.runs)
