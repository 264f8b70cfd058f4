"""Search spaces that exercise every parameter kind, and a cheap synthetic task over any space.

Each space isolates one kind (so a failure names it) and "mixed" combines them all; "fixed" carries
a ConfigSpace constant (`SearchSpace.fixed`, never proposed) and a one-choice categorical, the
two ways a benchmark pins a value.
"""

from __future__ import annotations

from typing import Any

from llmhpo.harness.benchmarks.base import BaseBenchmark, CanonicalConfig, Evaluation
from llmhpo.harness.space import Categorical, Float, Int, Ordinal, SearchSpace

_FLOAT = Float("x", -5.0, 10.0, meaning="a real input")
_LOG_FLOAT = Float("learning_rate", 1e-5, 1e-1, log=True, meaning="step size")
_INT = Int("depth", 1, 12, meaning="number of layers")
_LOG_INT = Int("width", 8, 1024, log=True, meaning="units per layer")
_CATEGORICAL = Categorical("kernel", ("linear", "rbf", "poly"), meaning="kernel type")
_ORDINAL = Ordinal("batch_size", (16, 32, 64, 128, 256), log=True, meaning="minibatch size")
_BOOL = Categorical("shrinking", (True, False), meaning="use the shrinking heuristic")
_ONE_CHOICE = Categorical("solver", ("adam",), meaning="the only solver")

SUITE_SPACES: dict[str, SearchSpace] = {
    "float": SearchSpace([_FLOAT, Float("y", 0.0, 15.0)]),
    "log-float": SearchSpace([_LOG_FLOAT, Float("weight_decay", 1e-8, 1.0, log=True)]),
    "int": SearchSpace([_INT, Int("offset", -3, 3)]),
    "log-int": SearchSpace([_LOG_INT, Int("n_estimators", 1, 512, log=True)]),
    "categorical": SearchSpace([_CATEGORICAL, _BOOL]),
    "ordinal": SearchSpace([_ORDINAL, Ordinal("stage", ("low", "mid", "high"))]),
    "fixed": SearchSpace([_FLOAT, _ONE_CHOICE], fixed={"n_jobs": 1, "engine": "fast"}),
    "mixed": SearchSpace([_FLOAT, _LOG_FLOAT, _INT, _LOG_INT, _CATEGORICAL, _ORDINAL]),
}


class SyntheticTask(BaseBenchmark):
    """A deterministic bowl over any space (optimum at 30 % of every range; first choice best).

    A benchmark like any other (not registered: it is built on a given space), so optimizers get a
    task to describe (and a deterministic one, which switches on the LLM optimizer's duplicate
    handling) at no evaluation cost.
    """

    version = "1"
    deterministic = True
    worst_loss = 10.0
    expected_seconds = 0.0

    def __init__(self, space: SearchSpace, name: str = "synthetic/bowl") -> None:
        self.name = name
        self.space = space
        self.fidelity: dict[str, Any] = {}

    @classmethod
    def names(cls) -> list[str]:
        return []

    @classmethod
    def create(cls, name: str, fidelity: dict[str, Any] | None = None) -> SyntheticTask:
        raise KeyError(name)

    def describe(self) -> str:
        return "a deterministic synthetic function of the parameters; the loss is nonnegative"

    def _evaluate(self, config: CanonicalConfig, seed: int) -> Evaluation:
        loss = sum((p.position(config[p.name]) - (0.3 if p.ranged else 0.0)) ** 2 for p in self.space.params)
        return Evaluation(loss=float(loss), test_loss=float(loss), cost_s=0.0)
