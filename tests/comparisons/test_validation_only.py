"""Optimizers are told validation results only: the driver hands tell() a type without test loss."""

from __future__ import annotations

import dataclasses

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.driver import Driver, RunState
from llmhpo.harness.campaign.executor import SerialExecutor
from llmhpo.harness.optimizers import create
from llmhpo.harness.optimizers.ask_tell import ValidationResult, validation_only
from llmhpo.harness.spec.campaign_spec import RunSpec


class Recording:
    """A real random search that keeps what it was told."""

    name = "random"

    def __init__(self, inner) -> None:
        self.inner, self.told = inner, []

    def ask(self):
        return self.inner.ask()

    def tell(self, config, result) -> None:
        self.told.append(result)
        self.inner.tell(config, result)


def test_tell_receives_a_validation_only_result_from_the_driver():
    bench = load("toy/branin-shifted")  # toy evaluations carry test_loss = loss
    run = RunSpec("r0", bench.name, "random", "random", None, {}, 0, 5)
    spy = Recording(create("random", space=bench.space, seed=0, budget=5))
    trials = []
    driver = Driver([RunState(run, bench, spy)], executor=SerialExecutor(), store=None, mode=Mode.OFF, gateway=None,
                    sink=lambda trial, transcript: trials.append(trial.to_row()))
    driver.run()
    assert len(spy.told) == 5 and all(t["test_loss"] is not None for t in trials)  # the journal keeps test loss
    for told, trial in zip(spy.told, trials, strict=True):
        assert type(told) is ValidationResult
        assert {f.name for f in dataclasses.fields(told)} == {"loss", "status", "cost_s"}
        assert not hasattr(told, "test_loss") and not hasattr(told, "info")
        assert told.loss == trial["loss"] and told.status == trial["status"]


def test_validation_result_cannot_carry_test_results():
    bench = load("toy/branin")
    evaluation = bench.evaluate(bench.space.default(), 0)
    result = validation_only(evaluation)
    assert result == ValidationResult(evaluation.loss, evaluation.status, evaluation.cost_s)
    with pytest.raises((AttributeError, TypeError, dataclasses.FrozenInstanceError)):
        result.test_loss = 0.0  # type: ignore[attr-defined]
