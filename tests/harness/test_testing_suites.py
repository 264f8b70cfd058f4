"""The conformance suites have teeth: each broken plugin below is caught by the check meant for it."""

from __future__ import annotations

import numpy as np
import pytest

from llmhpo.harness.benchmarks.base import Evaluation
from llmhpo.harness.errors import InvalidConfig
from llmhpo.harness.optimizers.ask_tell import Proposal
from llmhpo.harness.optimizers.random_search import RandomSearch
from llmhpo.harness.testing import SUITE_SPACES, BenchmarkSuite, OptimizerSuite, SyntheticTask

MIXED = SUITE_SPACES["mixed"]


class OutOfSpace(RandomSearch):
    def ask(self) -> Proposal:
        config = self.space.sample(self.rng)
        return Proposal({**config, "depth": 99}, "broken")


class NumpyValues(RandomSearch):
    def ask(self) -> Proposal:
        return Proposal({k: np.float64(v) if isinstance(v, float) else v for k, v in self.space.sample(self.rng).items()},
                        "broken")


class ProposesFixed(RandomSearch):
    def ask(self) -> Proposal:
        return Proposal({**self.space.sample(self.rng), **self.space.fixed}, "broken")


class ReadsTestLoss(RandomSearch):
    def tell(self, config, evaluation) -> None:
        self.last = evaluation.test_loss  # optimizers must never see test loss


class Unseeded(RandomSearch):
    def __init__(self, space, seed) -> None:
        super().__init__(space, seed=None)  # type: ignore[arg-type]


class ChokesOnCrash(RandomSearch):
    def tell(self, config, evaluation) -> None:
        if evaluation.status == "crashed":
            raise RuntimeError("cannot handle a crashed trial")


@pytest.mark.parametrize(("cls", "space", "error"), [
    (OutOfSpace, MIXED, InvalidConfig),
    (NumpyValues, MIXED, AssertionError),
    (ProposesFixed, SUITE_SPACES["fixed"], InvalidConfig),
    (ReadsTestLoss, MIXED, AttributeError),
    (Unseeded, MIXED, AssertionError),
    (ChokesOnCrash, MIXED, RuntimeError),
])
def test_optimizer_suite_catches(cls, space, error) -> None:
    with pytest.raises(error):
        OptimizerSuite().test_conformance(lambda sp, seed, budget, task: cls(sp, seed), space)


def test_optimizer_suite_passes_random_search_on_every_space() -> None:
    for space in SUITE_SPACES.values():
        OptimizerSuite().test_conformance(lambda sp, seed, budget, task: RandomSearch(sp, seed), space)


class Lenient(SyntheticTask):
    def evaluate(self, config, seed):
        return Evaluation(loss=1.0, test_loss=None, cost_s=0.0)  # never refuses anything


class NaNLoss(SyntheticTask):
    def evaluate(self, config, seed):
        self.space.validate(config)
        return Evaluation(loss=float("nan"), test_loss=None, cost_s=0.0)


class SaysDeterministicButIsNot(SyntheticTask):
    def evaluate(self, config, seed):
        ev = super().evaluate(config, seed)
        return Evaluation(loss=ev.loss + float(np.random.default_rng().random()), test_loss=None, cost_s=0.0)


@pytest.mark.parametrize(("cls", "test"), [
    (Lenient, "test_invalid_configs_are_refused_by_name"),
    (NaNLoss, "test_default_config_evaluates"),
    (SaysDeterministicButIsNot, "test_deterministic_per_seed"),
])
def test_benchmark_suite_catches(cls, test) -> None:
    bench = cls(MIXED)
    args = (bench, lambda: cls(MIXED)) if test == "test_deterministic_per_seed" else (bench,)
    with pytest.raises((AssertionError, pytest.fail.Exception)):  # a failed check or "DID NOT RAISE"
        getattr(BenchmarkSuite(), test)(*args)
