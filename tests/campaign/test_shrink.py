"""Shrink flags on `llmhpo run`: a smaller campaign in a folder of its own, recorded, never mixed."""

from __future__ import annotations

import json

import pytest

from llmhpo.harness.campaign import shrink
from llmhpo.harness.errors import UserError
from llmhpo.harness.spec.campaign_spec import loads_spec
from tests.campaign.helpers import TOY_SPEC, llmhpo, trials, write_spec

SPEC = TOY_SPEC.format(name="toy", budget=5, seeds=3, benchmarks='["toy/branin", "toy/himmelblau-shifted"]')


def test_flags_cut_the_spec_and_rename_it():
    spec = loads_spec(SPEC)
    small = shrink.apply(spec, {"budget": 2, "seeds": "2", "benchmarks": ["toy/bran*"], "optimizers": ["tpe", "random"]})
    assert small.name == "toy-shrunk"
    assert small.budgets == (2,) and small.seeds == (0, 1) and small.benchmarks == ("toy/branin",)
    assert [o.label for o in small.optimizers] == ["random", "tpe"]  # the spec's order
    assert len(small.runs) == 1 * 2 * 2 and {r.budget for r in small.runs} == {2}
    assert small.shrink == {"budget": 2, "seeds": [0, 1], "benchmarks": ["toy/bran*"], "optimizers": ["tpe", "random"]}
    assert small.spec_hash != spec.spec_hash
    assert shrink.apply(spec, {}) is spec
    assert shrink.apply(spec, {"seeds": "2,"}).seeds == (2,)  # a list names seeds; a bare N counts them


@pytest.mark.parametrize("flags, message", [
    ({"optimizers": ["tpee"]}, "'tpee' is not an optimizer of this spec (did you mean 'tpe'?)"),
    ({"budget": 9}, "--budget 9: shrink only, from 1 to the spec's largest budget 5"),
    ({"seeds": "7,"}, "seed(s) [7] are not among the spec's seeds [0, 1, 2]"),
    ({"seeds": "4"}, "the spec has 3 seed(s)"),
    ({"seeds": "a"}, "expected a count N or a comma-separated list"),
    ({"benchmarks": ["svm/*"]}, "matches none of the spec's benchmarks"),
])
def test_bad_flags_are_one_clear_line(flags, message):
    with pytest.raises(UserError) as err:
        shrink.apply(loads_spec(SPEC), flags)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_cli_shrunk_run_is_recorded_and_a_resume_with_other_flags_is_refused(tmp_path):
    spec = write_spec(tmp_path, name="toy", budget=5, seeds=3)
    base = ["run", str(spec), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), "--workers", "1"]
    done = llmhpo(*base, "--budget", "2", "--seeds", "1", "--benchmarks", "toy/branin", "--optimizers", "random", "tpe")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / "toy-shrunk"
    assert not (tmp_path / "out" / "toy").exists()  # never mixed with the full campaign
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["shrink"] == {"budget": 2, "seeds": [0], "benchmarks": ["toy/branin"], "optimizers": ["random", "tpe"]}
    assert len(trials(folder)) == 2 * 2
    before = (folder / "trials.jsonl").read_bytes()
    refused = llmhpo(*base, "--budget", "3", "--seeds", "1", "--benchmarks", "toy/branin", "--optimizers", "random", "tpe")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"llmhpo: error: {folder} was run with --budget 2 --seeds 0, --benchmarks toy/branin --optimizers random tpe, "
        "not --budget 3 --seeds 0, --benchmarks toy/branin --optimizers random tpe: resume it with the same flags, "
        "or pass another --out"]
    assert (folder / "trials.jsonl").read_bytes() == before
    again = llmhpo(*base, "--budget", "2", "--seeds", "0,", "--benchmarks", "toy/branin", "--optimizers", "random", "tpe")
    assert again.returncode == 0 and "4 trials (4 resumed" in again.stdout, again.stdout + again.stderr


def test_cli_typo_and_unknown_argument_errors(tmp_path):
    spec = write_spec(tmp_path, name="toy", budget=5, seeds=3)
    typo = llmhpo("run", str(spec), "--out", str(tmp_path / "out"), "--optimizers", "rnadom")
    assert typo.returncode == 2 and "did you mean 'random'?" in typo.stderr
    assert not (tmp_path / "out").exists()
    unknown = llmhpo("run", str(spec), "--budgett", "2")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("usage: llmhpo run ") and "unrecognized arguments: --budgett 2" in unknown.stderr
    assert "--optimizers NAME" in llmhpo("demo", "--help").stdout
