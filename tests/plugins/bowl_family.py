"""A toy benchmark family written the way a plugin would be: one file with a `BaseBenchmark`
subclass, registered with one line in `harness.benchmarks.FAMILIES` (see test_plugins.py).

`bowl/<variant>`: a seeded quadratic bowl over a mixed space (log float, int, categorical,
ordinal). "bowl/clean" is deterministic; "bowl/noisy" adds noise drawn from the seed (still the
same loss for the same config and seed). Configs with kernel "poly" and depth above 10 crash, as
a diverging training run would, and are reported with the worst loss.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from llmhpo.harness.benchmarks.base import BaseBenchmark, CanonicalConfig, Evaluation
from llmhpo.harness.errors import UserError
from llmhpo.harness.space import Categorical, Float, Int, Ordinal, SearchSpace

VARIANTS = ("clean", "noisy")
KERNEL_PENALTY = {"rbf": 0.0, "linear": 0.3, "poly": 0.6}


class Bowl(BaseBenchmark):
    """version "1", no fidelity, expected_seconds 1.0 (an upper bound): BaseBenchmark's defaults."""

    deterministic = True  # noisy only through the seed: the same (config, seed) gives the same loss
    worst_loss = 10.0

    def __init__(self, variant: str) -> None:
        self.name = f"bowl/{variant}"
        self.noise = 0.05 if variant == "noisy" else 0.0
        self.space = SearchSpace([
            Float("learning_rate", 1e-4, 1.0, log=True, meaning="step size"),
            Int("depth", 1, 12, meaning="number of layers"),
            Categorical("kernel", ("rbf", "linear", "poly")),
            Ordinal("batch_size", (16, 32, 64, 128), log=True),
        ])

    def describe(self) -> str:
        return "a synthetic bowl over a learning rate, a depth, a kernel and a batch size; lower is better"

    def _evaluate(self, c: CanonicalConfig, seed: int) -> Evaluation:  # valid and canonical already
        if c["kernel"] == "poly" and c["depth"] > 10:
            return Evaluation(loss=self.worst_loss, test_loss=None, cost_s=0.0, status="crashed",
                              info={"error": "diverged"})
        loss = ((math.log10(c["learning_rate"]) + 2.0) ** 2 + ((c["depth"] - 4) / 4) ** 2
                + KERNEL_PENALTY[c["kernel"]] + abs(math.log2(c["batch_size"] / 64)) / 4)
        if self.noise:
            loss += self.noise * float(np.random.default_rng(seed).standard_normal())
        return Evaluation(loss=loss, test_loss=loss, cost_s=0.0)

    @classmethod
    def names(cls) -> list[str]:
        return [f"bowl/{v}" for v in VARIANTS]

    @classmethod
    def create(cls, name: str, fidelity: dict[str, Any] | None = None) -> Bowl:
        family, _, variant = name.partition("/")
        if family != "bowl" or variant not in VARIANTS:
            raise KeyError(name)
        if fidelity:
            raise UserError(f"{name} has no fidelity to override")
        return cls(variant)
