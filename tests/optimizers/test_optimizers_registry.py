"""Registry: names, options and the errors a user sees for bad input."""

from __future__ import annotations

import pytest

from harness import optimizers
from harness.benchmarks import load
from harness.errors import UserError

BRANIN = load("toy/branin")
EXPECTED = {"random", "gp", "rf", "tpe", "smac-rf", "smac-gp", "llm", "mmllm", "mmllm-image-only", "llm-tpe", "llm-init-gp"}


def test_every_optimizer_is_registered_with_its_options() -> None:
    assert set(optimizers.names()) == EXPECTED
    assert optimizers.options_for("gp") == {"n_initial": None, "gp_settings": "fast"}
    assert optimizers.options_for("smac-gp") == {"n_initial": None, "initial_design": "shared", "keep_run_dir": False}
    assert optimizers.options_for("llm")["style"] == "chat"
    assert optimizers.options_for("mmllm")["style"] == "compressed"
    assert optimizers.options_for("llm-tpe")["p"] == 0.5
    assert [n for n in optimizers.names() if optimizers.requires_images(n)] == ["mmllm", "mmllm-image-only"]
    assert not optimizers.uses_llm("tpe") and optimizers.uses_llm("llm-init-gp")


def test_unknown_optimizer_lists_the_valid_ones() -> None:
    with pytest.raises(UserError) as err:
        optimizers.create("gpp", task=BRANIN)
    msg = str(err.value)
    assert "unknown optimizer 'gpp'" in msg and "did you mean 'gp'" in msg
    assert all(n in msg for n in EXPECTED)


def test_unknown_option_lists_the_valid_ones() -> None:
    with pytest.raises(UserError, match=r"unknown option\(s\) 'n_init' for optimizer 'tpe'; valid options: n_initial, multivariate"):
        optimizers.create("tpe", task=BRANIN, n_init=3)
    with pytest.raises(UserError, match="valid options: none"):
        optimizers.create("random", task=BRANIN, seed_offset=1)


@pytest.mark.parametrize(
    ("name", "options", "fragment"),
    [
        ("gp", {"n_initial": "3"}, "option .n_initial. of optimizer .gp. must be a positive integer"),
        ("llm-init-gp", {"k": 0}, "must be a positive integer"),
        ("llm", {"cot": "yes"}, "option 'cot' of optimizer 'llm' must be a bool"),
        ("llm", {"temperature": True}, "must be a float"),
        ("gp", {"gp_settings": "turbo"}, "unknown gp settings 'turbo'"),
        ("rf", {"surrogate": "svm"}, "must be 'rf' or 'et'"),
    ],
)
def test_bad_option_values(name: str, options: dict, fragment: str) -> None:
    with pytest.raises(UserError, match=fragment):
        optimizers.create(name, task=BRANIN, **options)


def test_bad_budget_and_missing_space() -> None:
    with pytest.raises(UserError, match="budget must be a positive integer"):
        optimizers.create("random", task=BRANIN, budget=0)
    with pytest.raises(UserError, match="needs a search space or a task"):
        optimizers.create("random")


def test_identical_seeds_give_every_model_based_optimizer_the_same_initial_design() -> None:
    designs = {}
    for name in ("gp", "rf", "tpe"):
        opt = optimizers.create(name, task=BRANIN, seed=11, budget=12)
        proposals = [opt.ask() for _ in range(3)]
        assert all(p.source == "initial" and p.transcript is None for p in proposals)
        designs[name] = [p.config for p in proposals]
    assert designs["gp"] == designs["rf"] == designs["tpe"]
    other = optimizers.create("gp", task=BRANIN, seed=12, budget=12)
    assert other.ask().config != designs["gp"][0]
