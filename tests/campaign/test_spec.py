"""Spec validation: every problem reported at once, one line each, exit code 2 from the CLI."""

from __future__ import annotations

import pytest

from llmhpo.harness.cli import main
from llmhpo.harness.errors import UserError
from llmhpo.harness.spec.campaign_spec import loads_spec

GOOD = """
name = "ok"
budget = [5, 10]
seeds = [0, 7]
benchmarks = ["toy/bran*", "toy/ackley"]
[[optimizers]]
name = "random"
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
options = { cot = true }
[[optimizers]]
name = "llm"
model = "anthropic/claude-3-5-sonnet-latest"
"""


def test_good_spec_expands_globs_budgets_seeds_and_labels():
    spec = loads_spec(GOOD)
    assert spec.benchmarks == ("toy/branin", "toy/branin-shifted", "toy/ackley")
    assert spec.budgets == (5, 10) and spec.seeds == (0, 7)
    assert [o.label for o in spec.optimizers] == ["random", "llm@openai/gpt-4o", "llm@anthropic/claude-3-5-sonnet-latest"]
    assert len(spec.runs) == 3 * 3 * 2 * 2
    ids = [r.run_id for r in spec.runs]
    assert len(set(ids)) == len(ids) and all("/" not in i and "@" not in i for i in ids)


def test_model_override_merges_entries_and_changes_the_hash():
    spec = loads_spec(GOOD)
    local = loads_spec(GOOD, model_override="local/smollm2-135m", check=False)
    # The two llm entries differ by options, so both stay, under distinct labels.
    assert [o.label for o in local.optimizers] == [
        "random", "llm@local/smollm2-135m", "llm@local/smollm2-135m~anthropic/claude-3-5-sonnet-latest"]
    assert {o.model for o in local.optimizers if o.name == "llm"} == {"local/smollm2-135m"}
    assert local.spec_hash != spec.spec_hash
    same = GOOD.replace("options = { cot = true }", "")
    assert len(loads_spec(same, model_override="local/smollm2-135m", check=False).optimizers) == 2


def test_hash_ignores_where_and_how_fast():
    a = loads_spec(GOOD, check=False)
    b = loads_spec('workers = 3\noutput = "elsewhere"\n' + GOOD, check=False)
    assert a.spec_hash == b.spec_hash and b.workers == 3


BAD = """
name = "bad name"
budgte = 10
budget = [0]
seeds = []
benchmarks = ["svm/credit-gg", "nope/*"]
[[optimizers]]
name = "randon"
[[optimizers]]
name = "tpe"
options = { n_inital = 3 }
[[optimizers]]
name = "mmllm"
model = "openai/gpt-3.5-turbo"
[[optimizers]]
name = "gp"
model = "openai/gpt-4o"
[cache]
mode = "replya"
"""


def test_all_problems_one_line_each():
    with pytest.raises(UserError) as err:
        loads_spec(BAD, source="bad.toml")
    lines = str(err.value).splitlines()
    assert lines[0] == "bad.toml: 11 problem(s) in the campaign spec:"
    body = "\n".join(lines[1:])
    for expected in ("unknown key 'budgte' (did you mean 'budget'?)", "name:", "budget: expected integers >= 1",
                     "seeds: empty list", "did you mean: svm/credit-g", "pattern 'nope/*' matches no benchmark",
                     "unknown optimizer 'randon' (did you mean 'random'?)", "'n_inital'",
                     "model 'openai/gpt-3.5-turbo' is text-only", "gp does not use a model",
                     "(did you mean 'replay'?)"):
        assert expected in body, expected
    assert len(lines) == 12


def test_cli_exit_code_2_and_message_on_stderr(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(BAD)
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "11 problem(s)" in err and err.count("\n  - ") == 11


def test_not_toml_and_missing_file(tmp_path, capsys):
    path = tmp_path / "x.toml"
    path.write_text("name = \n")
    assert main(["run", str(path)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read campaign spec" in capsys.readouterr().err


def test_text_only_override_skips_plot_optimizers():
    text = 'name = "mm"\nbenchmarks = ["toy/branin"]\n[[optimizers]]\nname = "random"\n' \
           '[[optimizers]]\nname = "mmllm"\nmodel = "openai/gpt-4o"\n'
    assert [o.name for o in loads_spec(text).optimizers] == ["random", "mmllm"]
    spec = loads_spec(text, model_override="openai/gpt-3.5-turbo")
    assert [o.name for o in spec.optimizers] == ["random"]
    assert spec.notes and "text-only" in spec.notes[0]
