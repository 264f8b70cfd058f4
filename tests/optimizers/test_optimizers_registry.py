"""Registry: names, the plugin contract, options and the errors a user sees for bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.errors import UserError
from llmhpo.harness.optimizers.plugin import OptimizerPlugin, Options
from tests.campaign.helpers import REPO, cli_env
from tests.optimizers.conftest import TEXT_MODEL, VISION_MODEL

BRANIN = load("toy/branin")

# The defaults every optimizer had before the options became pydantic models (the old OPTIONS table):
# results must not change, so neither may a default.
_LLM = {"style": "chat", "cot": False, "system_prompt": True, "budget_sentence": True, "space_style": "zhang",
        "temperature": 0.0, "max_tokens": None, "reasks": 2, "output": None}
DEFAULTS = {
    "random": {},
    "gp": {"n_initial": None, "gp_settings": "fast"},
    "rf": {"n_initial": None, "surrogate": "rf"},
    "tpe": {"n_initial": None, "multivariate": False},
    "smac-rf": {"n_initial": None, "initial_design": "shared", "keep_run_dir": False},
    "smac-gp": {"n_initial": None, "initial_design": "shared", "keep_run_dir": False},
    "llm": {**_LLM, "patience": 0},
    "mmllm": {**_LLM, "style": "compressed"},
    "mmllm-image-only": {**_LLM, "style": "compressed"},
    "llm-tpe": {**_LLM, "p": 0.5, "n_initial": None, "patience": 0, "narrow_every": 0},
    "llm-init-gp": {**_LLM, "k": None, "gp_settings": "fast"},
}


def test_every_optimizer_is_one_registry_line_to_a_plugin_class() -> None:
    assert optimizers.names() == list(optimizers.REGISTRY) and set(DEFAULTS) <= set(optimizers.names())
    for name in optimizers.names():
        cls = optimizers.plugin_class(name)
        assert issubclass(cls, OptimizerPlugin) and issubclass(cls.Options, Options), name
        assert cls.Options.model_config["extra"] == "forbid", name
    assert [n for n in DEFAULTS if optimizers.requires_images(n)] == ["mmllm", "mmllm-image-only"]
    assert [n for n in DEFAULTS if optimizers.uses_llm(n)] == ["llm", "mmllm", "mmllm-image-only", "llm-tpe",
                                                               "llm-init-gp"]


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_defaults_are_unchanged(name: str) -> None:
    assert optimizers.options_for(name) == DEFAULTS[name]


def test_importing_the_registry_imports_no_optimizer_library() -> None:
    """Flags and options of every optimizer are known without skopt, optuna, SMAC or an LLM client."""
    heavy = ("skopt", "sklearn", "optuna", "smac", "ConfigSpace", "litellm", "xllamacpp", "matplotlib")
    code = ("import sys; from llmhpo.harness import optimizers as o; "
            "[(o.uses_llm(n), o.requires_images(n), o.options_for(n)) for n in o.names()]; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=cli_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_unknown_optimizer_lists_the_valid_ones() -> None:
    with pytest.raises(UserError) as err:
        optimizers.create("gpp", task=BRANIN)
    msg = str(err.value)
    assert "unknown optimizer 'gpp'" in msg and "did you mean 'gp'" in msg
    assert all(n in msg for n in optimizers.names())


def test_unknown_option_lists_the_valid_ones_and_the_closest() -> None:
    with pytest.raises(UserError, match=r"unknown option\(s\) 'n_init' \(did you mean 'n_initial'\?\) for optimizer "
                                        r"'tpe'; valid options: n_initial, multivariate$"):
        optimizers.create("tpe", task=BRANIN, n_init=3)
    with pytest.raises(UserError, match="valid options: none$"):
        optimizers.create("random", task=BRANIN, seed_offset=1)
    with pytest.raises(UserError, match=r"'temprature' \(did you mean 'temperature'"):
        optimizers.create("mmllm", task=BRANIN, temprature=0.5)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("gp", {"n_initial": "3"}, "option 'n_initial' of optimizer 'gp': Input should be a valid integer, got '3'"),
        ("llm-init-gp", {"k": 0}, "option 'k' of optimizer 'llm-init-gp': Input should be greater than or equal to 1, got 0"),
        ("llm", {"cot": "yes"}, "option 'cot' of optimizer 'llm': Input should be a valid boolean, got 'yes'"),
        ("llm", {"temperature": True}, "option 'temperature' of optimizer 'llm': Input should be a valid number, got True"),
        ("llm", {"temperature": -1.0}, "option 'temperature' of optimizer 'llm': temperature must be a finite number >= 0, got -1.0"),
        ("llm", {"patience": -1}, "option 'patience' of optimizer 'llm': Input should be greater than or equal to 0, got -1"),
        ("llm", {"output": "xml"}, "option 'output' of optimizer 'llm': must be one of 'text', 'json', 'schema', got 'xml'"),
        ("llm", {"style": "zhang"}, "option 'style' of optimizer 'llm': must be one of 'chat', 'compressed', got 'zhang'"),
        ("llm", {"reasks": -1}, "option 'reasks' of optimizer 'llm': Input should be greater than or equal to 0, got -1"),
        ("gp", {"gp_settings": "turbo"}, "option 'gp_settings' of optimizer 'gp': must be one of 'fast', 'skopt-default', got 'turbo'"),
        ("rf", {"surrogate": "svm"}, "option 'surrogate' of optimizer 'rf': must be one of 'rf', 'et', got 'svm'"),
        ("llm-tpe", {"p": 1.5}, "option 'p' of optimizer 'llm-tpe': Input should be less than or equal to 1, got 1.5"),
        ("tpe", {"n_initial": 11}, "option 'n_initial' of optimizer 'tpe': 11 cannot exceed the budget (10)"),
        ("llm-init-gp", {"k": 11}, "option 'k' of optimizer 'llm-init-gp': 11 cannot exceed the budget (10)"),
        ("mmllm-image-only", {"style": "chat"}, "optimizer 'mmllm-image-only': image-only prompts list the history in "
                                                "one message: use style 'compressed'"),
    ],
)
def test_bad_option_values_name_their_location(name: str, options: dict, message: str) -> None:
    with pytest.raises(UserError) as err:
        optimizers.create(name, task=BRANIN, budget=10, model="local/none", gateway=object(), **options)
    assert str(err.value).startswith(message) and str(err.value).count("got") <= 1


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(UserError) as err:
        optimizers.create("tpe", task=BRANIN, n_initial="2", multivariate=1, seed_offset=3)
    problems = str(err.value).split("; valid options")[0], str(err.value)
    assert "'seed_offset'" in problems[0]
    assert "option 'n_initial' of optimizer 'tpe'" in problems[1] and "option 'multivariate'" in problems[1]


def test_valid_options_reach_the_optimizer() -> None:
    rf = optimizers.create("rf", task=BRANIN, budget=8, surrogate="et", n_initial=3)
    assert (rf.name, rf.kind, len(rf._design)) == ("rf", "et", 3)
    tpe = optimizers.create("tpe", task=BRANIN, budget=8)
    assert tpe._n_design == 2  # a quarter of the budget


def test_bad_budget_and_missing_space() -> None:
    with pytest.raises(UserError, match="budget must be a positive integer"):
        optimizers.create("random", task=BRANIN, budget=0)
    with pytest.raises(UserError, match="needs a search space or a task"):
        optimizers.create("random")


def test_check_model_is_the_one_vision_rule(server_gateway) -> None:
    for name in ("mmllm", "mmllm-image-only"):
        with pytest.raises(UserError, match=rf"^{name} sends plots, but model '{TEXT_MODEL}' is text-only; use a vision"):
            optimizers.check_model(name, TEXT_MODEL, server_gateway)
        optimizers.check_model(name, VISION_MODEL, server_gateway)
        assert optimizers.fits_model(name, VISION_MODEL, server_gateway)
        assert not optimizers.fits_model(name, TEXT_MODEL, server_gateway)
    optimizers.check_model("llm", TEXT_MODEL, object())  # no plots: the gateway is never asked
    with pytest.raises(UserError, match="unknown optimizer"):
        optimizers.check_model("mmlm", VISION_MODEL, server_gateway)


def test_a_plugin_class_registers_with_its_own_options_and_flags(server_gateway) -> None:
    from llmhpo.harness.optimizers.random_search import RandomSearch

    class Seeing(RandomSearch):
        name = "seeing"
        needs_images = True
        uses_llm = True

        class Options(Options):
            spread: float = 1.0

    optimizers.register("seeing", Seeing)
    try:
        assert optimizers.options_for("seeing") == {"spread": 1.0} and optimizers.requires_images("seeing")
        with pytest.raises(UserError, match="option 'spread' of optimizer 'seeing': Input should be a valid number"):
            optimizers.create("seeing", task=BRANIN, model=VISION_MODEL, gateway=server_gateway, spread="wide")
        with pytest.raises(UserError, match="seeing sends plots, but model"):
            optimizers.create("seeing", task=BRANIN, model=TEXT_MODEL, gateway=server_gateway)
        assert optimizers.create("seeing", task=BRANIN, model=VISION_MODEL, gateway=server_gateway).name == "seeing"
        with pytest.raises(UserError, match="declares its own Options"):
            optimizers.register("other", Seeing, options={"spread": 2.0})
    finally:
        optimizers.unregister("seeing")
    assert "seeing" not in optimizers.names()


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
