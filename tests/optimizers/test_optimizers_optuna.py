"""llmhpo.harness.optuna_sampler.LLMSampler inside real optuna studies."""

from __future__ import annotations

import json

import optuna
import pytest

from llmhpo.harness.errors import UserError
from llmhpo.harness.optuna_sampler import LLMSampler, space_from_optuna
from llmhpo.harness.space import Float, SearchSpace
from tests.optimizers.conftest import VISION_MODEL
from tests.servers.base import Behaviour

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -10.0, 10.0)
    y = trial.suggest_float("y", 1e-3, 10.0, log=True)
    return (x - 2.0) ** 2 + (y - 1.0) ** 2


def test_sampler_with_an_inferred_space_proposes_whole_configs(server, server_gateway) -> None:
    replies = [{"x": 1.0, "y": 2.0}, {"x": 2.0, "y": 1.5}, {"x": 2.5, "y": 0.5}]
    server.script(*[Behaviour.ok(json.dumps(r)) for r in replies])
    sampler = LLMSampler(model=VISION_MODEL, gateway=server_gateway, seed=1, budget=4, style="compressed")
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=4)
    # the first trial has no finished trials to infer a space from: optuna's random sampler
    assert 0 not in sampler.proposals
    assert [t.params for t in study.trials[1:]] == replies
    assert [sampler.proposals[i].source for i in (1, 2, 3)] == ["llm"] * 3
    last_prompt = server.received[-1].body["messages"][-1]["content"]
    first = study.trials[0]
    assert f"loss = {first.value:.4e}" in last_prompt and "This is the last try." in last_prompt


def test_sampler_with_a_given_space_and_a_maximizing_study(server, server_gateway) -> None:
    space = SearchSpace([Float("x", -10.0, 10.0), Float("y", 1e-3, 10.0, log=True)])
    server.script(*[Behaviour.ok(json.dumps({"x": float(i), "y": 1.0})) for i in range(3)])
    sampler = LLMSampler(space, model=VISION_MODEL, gateway=server_gateway, seed=0, budget=3, style="compressed")
    study = optuna.create_study(sampler=sampler, direction="maximize")
    study.optimize(lambda t: -objective(t), n_trials=3)
    assert [t.params["x"] for t in study.trials] == [0.0, 1.0, 2.0]
    # the LLM minimizes a loss: a maximized value of -4.0 is reported as loss 4.0
    assert "loss = 4.0000e+00" in server.received[1].body["messages"][-1]["content"]


def test_space_conversion_rejects_stepped_distributions() -> None:
    with pytest.raises(UserError, match="cannot handle parameter 'x'"):
        space_from_optuna({"x": optuna.distributions.FloatDistribution(0, 1, step=0.1)})
    with pytest.raises(UserError, match="must be one of"):
        LLMSampler(optimizer="tpe")


@pytest.mark.model
def test_sampler_drives_a_study_with_the_recorded_local_model(cassette_gateway) -> None:
    space = SearchSpace([Float("x", -10.0, 10.0), Float("y", 1e-3, 10.0, log=True)])
    sampler = LLMSampler(space, gateway=cassette_gateway, seed=0, budget=3)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=3)
    assert len(study.trials) == 3
    assert all(space.contains(t.params) for t in study.trials)
    assert set(sampler.proposals) == {0, 1, 2}
    assert all(p.transcript["model"] == "local/smollm2-135m" for p in sampler.proposals.values())
