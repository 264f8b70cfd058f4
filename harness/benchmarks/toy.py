"""toy/<fn> and toy/<fn>-shifted: the 2-D test functions of Zhang et al. (appendix E).

Ranges and optima as in that study: Ackley and Himmelblau on [-5, 5]^2, Branin on [-5, 10] x [0, 15],
Rosenbrock on [-5, 10]^2, and the axis-aligned quadratics (x - c)^T A (x - c) on [-5, 5]^2 with
c = (-4.15, 3.35) and A = I ("quadratic") or diag(1, 10) ("ill-quadratic"). A shifted variant
evaluates f(x - s) with s ~ U(0, 1)^2 drawn from the run seed (numpy default_rng(seed)), so every
seed is a different instance the LLM cannot have memorized; unshifted variants ignore the seed.

Evaluations are exact and cost nothing: test_loss = loss (there is no held-out set; reports use the
function value), cost_s = 0. Defaults are the centre of the box, as for any UniformFloat.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from llmhpo.harness.benchmarks.base import BaseBenchmark, CanonicalConfig, Evaluation
from llmhpo.harness.errors import UserError
from llmhpo.harness.space import Float, SearchSpace

Fn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _ackley(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    r = np.sqrt(0.5 * (x1**2 + x2**2))
    waves = 0.5 * (np.cos(2 * np.pi * x1) + np.cos(2 * np.pi * x2))
    return 20.0 + math.e - 20.0 * np.exp(-0.2 * r) - np.exp(waves)


def _branin(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    b, c, t = 5.1 / (4 * np.pi**2), 5 / np.pi, 1 / (8 * np.pi)
    return (x2 - b * x1**2 + c * x1 - 6.0) ** 2 + 10.0 * (1 - t) * np.cos(x1) + 10.0


def _rosenbrock(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    return (1.0 - x1) ** 2 + 100.0 * (x2 - x1**2) ** 2


def _himmelblau(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    return (x1**2 + x2 - 11.0) ** 2 + (x1 + x2**2 - 7.0) ** 2


def _quadratic(a1: float, a2: float) -> Fn:
    def f(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
        return a1 * (x1 + 4.15) ** 2 + a2 * (x2 - 3.35) ** 2

    return f


@dataclass(frozen=True)
class ToyFunction:
    fn: Fn
    box: tuple[tuple[float, float], tuple[float, float]]
    minimum: float  # global minimum value of the unshifted function


FUNCTIONS: dict[str, ToyFunction] = {
    "ackley": ToyFunction(_ackley, ((-5, 5), (-5, 5)), 0.0),
    "branin": ToyFunction(_branin, ((-5, 10), (0, 15)), 0.397887357729738),
    "rosenbrock": ToyFunction(_rosenbrock, ((-5, 10), (-5, 10)), 0.0),
    "himmelblau": ToyFunction(_himmelblau, ((-5, 5), (-5, 5)), 0.0),
    "quadratic": ToyFunction(_quadratic(1.0, 1.0), ((-5, 5), (-5, 5)), 0.0),
    "ill-quadratic": ToyFunction(_quadratic(1.0, 10.0), ((-5, 5), (-5, 5)), 0.0),
}


def shift_for(seed: int) -> tuple[float, float]:
    """The shift s ~ U(0, 1)^2 of a shifted toy function for one run seed."""
    s = np.random.default_rng(seed).uniform(0.0, 1.0, size=2)
    return float(s[0]), float(s[1])


@functools.cache
def _grid_max(name: str) -> float:
    """Largest value on a fine grid of the box plus the largest shift: a finite worst loss."""
    f = FUNCTIONS[name]
    x1, x2 = np.meshgrid(np.linspace(*f.box[0], 301) - 1.0, np.linspace(*f.box[1], 301) - 1.0)
    values = np.concatenate([f.fn(x1, x2).ravel(), f.fn(x1 + 1.0, x2 + 1.0).ravel()])
    return float(np.max(values))


class ToyBenchmark(BaseBenchmark):
    version = "1"
    deterministic = True
    expected_seconds = 0.0001

    def __init__(self, function: str, shifted: bool) -> None:
        self.function = FUNCTIONS[function]
        self.function_name = function
        self.shifted = shifted
        self.name = f"toy/{function}" + ("-shifted" if shifted else "")
        (lo1, hi1), (lo2, hi2) = self.function.box
        self.space = SearchSpace([Float("x1", lo1, hi1), Float("x2", lo2, hi2)])
        self.fidelity: dict[str, Any] = {}
        self.worst_loss = _grid_max(function)

    def describe(self) -> str:
        return (
            "a deterministic black-box function of two real inputs x1 and x2; "
            "the loss is the function value, which is nonnegative"
        )

    def _evaluate(self, config: CanonicalConfig, seed: int) -> Evaluation:
        s1, s2 = shift_for(seed) if self.shifted else (0.0, 0.0)
        value = float(self.function.fn(np.float64(config["x1"] - s1), np.float64(config["x2"] - s2)))
        value = max(value, self.function.minimum)  # round-off below the true minimum (e.g. -4e-16)
        info = {"shift": [s1, s2], "regret": value - self.function.minimum}
        return Evaluation(loss=value, test_loss=value, cost_s=0.0, status="ok", info=info)

    @classmethod
    def names(cls) -> list[str]:
        return [f"toy/{f}{suffix}" for f in FUNCTIONS for suffix in ("", "-shifted")]

    @classmethod
    def create(cls, name: str, fidelity: dict[str, Any] | None = None) -> ToyBenchmark:
        family, _, rest = name.partition("/")
        function = rest.removesuffix("-shifted")
        if family != "toy" or function not in FUNCTIONS:
            raise KeyError(name)
        if fidelity:
            raise UserError(f"{name}: toy functions have no fidelity to override ({sorted(fidelity)})")
        return cls(function, shifted=rest.endswith("-shifted"))
