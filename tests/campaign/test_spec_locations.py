"""Spec problems carry their location (the pydantic models of harness.spec.document), all of them in
one message; mode names come from cache.modes.Mode; to_dict/from_dict round-trips every example."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.harness.cli import build_parser, main
from llmhpo.harness.errors import UserError
from llmhpo.harness.spec.campaign_spec import CampaignSpec, load_spec, loads_spec

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.toml"))
HEAD = 'name = "loc"\nbudget = 3\nseeds = 1\nbenchmarks = ["toy/branin"]\n[[optimizers]]\nname = "random"\n'


def problems(text: str, **kwargs) -> list[str]:
    """The problem lines of the one UserError, after checking the header counts them."""
    with pytest.raises(UserError) as err:
        loads_spec(text, source="s.toml", **kwargs)
    header, *lines = str(err.value).splitlines()
    assert header == f"s.toml: {len(lines)} problem(s) in the campaign spec:"
    assert all(line.startswith("  - ") for line in lines)
    return [line[4:] for line in lines]


def test_nested_option_is_located_at_its_table():
    text = HEAD + '[[optimizers]]\nname = "tpe"\noptions = { n_inital = 3 }\n'
    (line,) = problems(text)
    assert line.startswith("optimizers[2].options: ") and "'n_inital'" in line and "n_initial" in line
    (line,) = problems(HEAD + '[[optimizers]]\nname = "llm"\nmodel = "openai/gpt-4o"\noptions = { temperature = "hot" }\n')
    assert line.startswith("optimizers[2].options: ") and "temperature" in line
    (line,) = problems(HEAD + '[[optimizers]]\nname = "tpe"\noptions = "fast"\n')
    assert line == "optimizers[2].options: expected a table (got 'fast')"
    (line,) = problems('cache = "x"\n' + HEAD)
    assert line == "cache: expected a table with dir, mode (got 'x')"  # never pydantic's class names


def test_a_table_with_an_unknown_key_still_has_its_options_checked():
    lines = problems(HEAD + '[[optimizers]]\nname = "llm-tpe"\nmodle = "x"\noptions = { p = 1.5, k = 3 }\n')
    assert any(line.startswith("optimizers[2]: unknown key 'modle'") for line in lines)
    assert any(line.startswith("optimizers[2].options: ") and "'k'" in line for line in lines)
    assert any(line.startswith("optimizers[2].options: ") and "'p'" in line for line in lines)


def test_options_are_checked_against_the_smallest_budget_before_anything_is_created(tmp_path):
    spec = tmp_path / "b.toml"
    spec.write_text(HEAD.replace("budget = 3", "budget = [12, 4]") + '[[optimizers]]\nname = "gp"\noptions = { n_initial = 6 }\n')
    (line,) = problems(spec.read_text())
    assert line.startswith("optimizers[2].options: ") and "cannot exceed the budget (4)" in line
    assert main(["run", str(spec), "--out", str(tmp_path / "out"), "--mode", "off"]) == 2
    assert not (tmp_path / "out").exists()


def test_model_settings_entries_are_located_by_model_name():
    lines = problems(HEAD + '[model_settings."openai/gpt-4o"]\napi_base = "ftp://host/v1"\napibase = "x"\n'
                     '[model_settings.gpt-4o]\napi_base = "http://127.0.0.1:1/v1"\n')
    assert len(lines) == 3
    assert any(line.startswith('model_settings."openai/gpt-4o".api_base: must be an http(s) URL')
               for line in lines)
    assert ("model_settings.\"openai/gpt-4o\": unknown key 'apibase' (did you mean 'api_base'?); "
            "allowed: api_base, api_key_env, capabilities") in lines
    assert any(line.startswith('model_settings."gpt-4o": expected a full model name') for line in lines)


def test_a_key_put_where_a_variable_name_goes_is_refused_and_not_echoed():
    key = "sk-0123456789abcdef0123"
    (line,) = problems(HEAD + f'[model_settings."openai/gpt-4o"]\napi_key_env = "{key}"\n')
    assert line.startswith('model_settings."openai/gpt-4o".api_key_env: ') and key not in line


def test_cache_mode_is_a_mode_name_with_a_hint():
    (line,) = problems(HEAD + '[cache]\nmode = "replya"\n')
    assert line == (f"cache.mode: expected one of {', '.join(Mode.names())} (got 'replya') (did you mean 'replay'?)")
    assert loads_spec(HEAD + '[cache]\nmode = "REPLAY"\n').cache_mode == "replay"
    (line,) = problems(HEAD + '[cache]\nmode = "live"\ndri = "x"\n')
    assert line == "cache: unknown key 'dri' (did you mean 'dir'?); allowed: dir, mode"


def test_unknown_top_level_key_with_did_you_mean_and_what_it_leaves_missing():
    text = 'name = "x"\nbenchmarks = ["toy/branin"]\n[[optimisers]]\nname = "random"\n'
    lines = problems(text)
    assert "optimizers: expected one or more [[optimizers]] tables" in lines
    assert any(line.startswith("spec: unknown key 'optimisers' (did you mean 'optimizers'?); allowed: name,")
               for line in lines)
    assert len(lines) == 2


def test_every_problem_of_every_kind_in_one_message_and_cli_exit_2(tmp_path, capsys):
    text = ('name = "many"\nbudget = [3, 3]\nseeds = -1\nbenchmarks = ["toy/branin", 7]\nworkers = 0\n'
            'dask = "somewhere"\nbaseline_samples = -5\nllm_concurrency = true\noutput = 3\n'
            '[[optimizers]]\nname = "random"\nlabel = "a"\n'
            '[[optimizers]]\nname = "tpe"\nlabel = "a"\n'
            '[[optimizers]]\nname = "gp"\nlable = "b"\n'
            '[[optimizers]]\nname = "llm"\nmodel = "nosuchprovider/m"\n'
            '[[optimizers]]\nname = "llm"\nmodel = "openai/gpt-4o"\nlabel = " "\n')
    lines = problems(text)
    starts = ["budget: duplicate values in [3, 3]", "seeds: a count must be >= 1", "benchmarks[2]: expected a name",
              "workers: expected an integer >= 1 (got 0)", "dask: expected \"local\"",
              "baseline_samples: expected an integer >= 0 (got -5)",
              "llm_concurrency: expected an integer >= 1 (got True)",
              "output: Input should be a valid string (got 3)",
              "optimizers[3]: unknown key 'lable' (did you mean 'label'?)",
              "optimizers[5].label: String should have at least 1 character",
              "optimizers[2].label: 'a' is already the label of optimizers[1]",
              "optimizers[4].model: "]
    for start in starts:
        assert any(line.startswith(start) for line in lines), (start, lines)
    assert len(lines) == len(starts)
    path = tmp_path / "many.toml"
    path.write_text(text)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert f"{len(starts)} problem(s)" in err and err.count("\n  - ") == len(starts)
    assert not (tmp_path / "out").exists() and not (tmp_path / "c").exists()


def test_model_override_with_an_unknown_provider_is_a_located_problem():
    (line,) = problems(HEAD + '[[optimizers]]\nname = "llm"\nmodel = "openai/gpt-4o"\n', model_override="nope/m")
    assert line.startswith("--model: ")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_round_trips_through_to_dict_and_from_dict(path):
    spec = load_spec(path)
    again = CampaignSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again.to_dict() == spec.to_dict() and again.spec_hash == spec.spec_hash
    assert again == spec.__class__(**{**spec.__dict__, "source": again.source})
    assert again.runs == spec.runs


def test_from_dict_validates_what_it_reads():
    spec = loads_spec(HEAD)
    tampered = {**spec.to_dict(), "cache": {"dir": None, "mode": "sometimes"}, "workers": "many"}
    with pytest.raises(UserError) as err:
        CampaignSpec.from_dict(tampered)
    text = str(err.value)
    assert "2 problem(s)" in text and "cache.mode: expected one of" in text and "workers: " in text


def test_a_json_spec_reads_like_the_same_toml(tmp_path):
    import tomllib

    toml_path = EXAMPLES[0]
    json_path = tmp_path / "same.json"
    json_path.write_text(json.dumps(tomllib.loads(toml_path.read_text())))
    assert load_spec(json_path).to_dict() == load_spec(toml_path).to_dict()
    (tmp_path / "bad.json").write_text("{name: 1}")
    with pytest.raises(UserError, match="not valid JSON"):
        load_spec(tmp_path / "bad.json")


def _mode_choices(parser: argparse.ArgumentParser) -> dict[str, tuple[str, ...]]:
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update({f"{name} {k}".strip(): v for k, v in _mode_choices(sub).items()})
        elif "--mode" in action.option_strings:
            found[""] = tuple(action.choices)
    return found


def test_every_mode_choice_is_the_mode_enum():
    choices = _mode_choices(build_parser())
    assert {"run", "demo", "ask", "proxy", "eval"} <= set(choices)
    assert set(choices.values()) == {Mode.names()}
    assert Mode.names() == ("live", "replay", "record", "off")


def test_a_model_override_that_skips_every_optimizer_is_refused():
    text = HEAD.replace('name = "random"', 'name = "mmllm"\nmodel = "openai/gpt-4o"')
    (line,) = problems(text, model_override="local/smollm2-135m")
    assert line.startswith("optimizers: none left to run (skipped mmllm: it sends plots")
