"""`models = [...]` in an [[optimizers]] table: one entry per model, each checked like a `model`,
problems located at `optimizers[i].models[j]`; specs without it keep their hash and run ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmhpo.harness.cli import main
from llmhpo.harness.errors import UserError
from llmhpo.harness.spec.campaign_spec import CampaignSpec, load_spec, loads_spec

REPO = Path(__file__).resolve().parents[2]
HEAD = 'name = "axis"\nbudget = 3\nseeds = 1\nbenchmarks = ["toy/branin"]\n[[optimizers]]\nname = "random"\n'
TWO = '[[optimizers]]\nname = "llm"\nmodels = ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"]\n'


def problems(text: str, **kwargs) -> list[str]:
    with pytest.raises(UserError) as err:
        loads_spec(text, source="s.toml", **kwargs)
    return [line[4:] for line in str(err.value).splitlines()[1:]]


def test_models_expand_to_one_entry_per_model_labelled_name_at_model():
    spec = loads_spec(HEAD + TWO)
    assert [(o.label, o.model) for o in spec.optimizers] == [
        ("random", None), ("llm@openai/gpt-4o", "openai/gpt-4o"),
        ("llm@anthropic/claude-sonnet-4-5", "anthropic/claude-sonnet-4-5")]
    assert len(spec.runs) == 3 and spec.runs[1].run_id != spec.runs[2].run_id
    # exactly the campaign two hand-written tables make: same hash, so either spec resumes the other
    explicit = loads_spec(HEAD + '[[optimizers]]\nname = "llm"\nmodel = "openai/gpt-4o"\n'
                          '[[optimizers]]\nname = "llm"\nmodel = "anthropic/claude-sonnet-4-5"\n')
    assert explicit.spec_hash == spec.spec_hash and explicit.runs == spec.runs
    # the manifest's spec (expanded) reads back as the same campaign
    assert CampaignSpec.from_dict(spec.to_dict()).spec_hash == spec.spec_hash


def test_a_label_with_models_becomes_label_at_model():
    spec = loads_spec(HEAD + TWO.replace('name = "llm"\n', 'name = "llm"\nlabel = "zhang"\noptions = { cot = true }\n'))
    assert [o.label for o in spec.optimizers[1:]] == ["zhang@openai/gpt-4o", "zhang@anthropic/claude-sonnet-4-5"]
    assert all(o.options == {"cot": True} for o in spec.optimizers[1:])


def test_model_override_runs_a_models_table_once_on_that_model():
    spec = loads_spec(HEAD + TWO, model_override="openai/gpt-4o-mini")
    assert [o.label for o in spec.optimizers] == ["random", "llm@openai/gpt-4o-mini"]
    labelled = loads_spec(HEAD + TWO.replace('name = "llm"\n', 'name = "llm"\nlabel = "z"\n'),
                          model_override="openai/gpt-4o-mini")
    assert [o.label for o in labelled.optimizers] == ["random", "z@openai/gpt-4o-mini"]


def test_each_model_is_checked_and_a_text_only_one_is_refused_for_mmllm_at_its_place():
    (line,) = problems(HEAD + '[[optimizers]]\nname = "mmllm"\nmodels = ["openai/gpt-4o", "openai/gpt-3.5-turbo"]\n')
    assert line.startswith("optimizers[2].models[2]: mmllm sends plots, but model 'openai/gpt-3.5-turbo' is text-only")
    (line,) = problems(HEAD + '[[optimizers]]\nname = "llm"\nmodels = ["openai/gpt-4o", "nosuchprovider/m"]\n')
    assert line.startswith("optimizers[2].models[2]: ")


@pytest.mark.parametrize(("table", "message"), [
    ('name = "llm"\nmodels = []', "optimizers[2].models: expected a non-empty list of model names (got [])"),
    ('name = "llm"\nmodels = "openai/gpt-4o"', "optimizers[2].models: expected a non-empty list of model names"),
    ('name = "llm"\nmodels = ["openai/gpt-4o", "openai/gpt-4o"]', "optimizers[2].models: 'openai/gpt-4o' listed more than once"),
    ('name = "llm"\nmodel = "openai/gpt-4o"\nmodels = ["openai/gpt-4o-mini"]', "optimizers[2].models: give either `model` or `models`, not both"),
    ('name = "gp"\nmodels = ["openai/gpt-4o"]', "optimizers[2].models: gp does not use a model"),
    ('name = "llm"\nmodels = ["openai/gpt-4o", 3]', "optimizers[2].models: expected model names, got 3"),
])
def test_bad_models_lists_are_located(table, message):
    (line,) = problems(HEAD + "[[optimizers]]\n" + table + "\n")
    assert line.startswith(message)


def test_a_bad_models_list_on_the_cli_exits_2_and_creates_nothing(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(HEAD + '[[optimizers]]\nname = "mmllm"\nmodels = ["openai/gpt-3.5-turbo"]\n')
    assert main(["run", str(spec), "--out", str(tmp_path / "out"), "--mode", "off"]) == 2
    assert "optimizers[2].models[1]: mmllm sends plots" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# Hashes and first run ids of the shipped specs computed before `models` existed: old campaigns resume.
BEFORE = {"mm-llm-hpo.toml": ("2200ae5e6925b038", "svm-phoneme.random.b10.s0"),
          "sllmbo.toml": ("0fbf890bbe09b791", "xgb-australian.random.b30.s0"),
          "zhang-table1.toml": ("bdeba5d29d984d94", "lr-blood-transfusion.random.b10.s0"),
          "zhang-table3.toml": ("718abf4efeaa53e9", "lr-blood-transfusion.random.b30.s0"),
          "demo.toml": ("42f0222e804d0b4b", "svm-credit-g.random.b6.s0")}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_specs_without_models_keep_their_hash_and_run_ids(name):
    path = REPO / ("harness" if name == "demo.toml" else "examples") / name
    spec = load_spec(path, check=False)
    assert (spec.spec_hash[:16], spec.runs[0].run_id) == BEFORE[name]
