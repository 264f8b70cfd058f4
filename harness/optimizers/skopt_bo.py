"""Bayesian optimization with scikit-optimize: GP + expected improvement, or random-forest /
extra-trees surrogates (Zhang et al.'s BO baselines).

The run starts with the shared initial design (initial.py), told to skopt like any other result.
Speed: skopt's defaults (gp_hedge over three acquisitions, each optimized by L-BFGS from 5 starts
after 10 000 samples, GP kernel refit with 2 restarts) cost seconds per ask at n = 30. The "fast"
settings below (EI scored on a few thousand sampled candidates, one kernel fit without restarts)
keep an ask well under 0.2 s with comparable regret; scripts/bench_optimizers.py shows both.
Results are told lazily and the surrogate is fitted once per ask, not once per tell.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

from llmhpo.harness.errors import UserError
from llmhpo.harness.optimizers.ask_tell import Proposal, ValidationResult
from llmhpo.harness.optimizers.initial import initial_design
from llmhpo.harness.optimizers.plugin import DesignSize, OptimizerPlugin, Options, design_size
from llmhpo.harness.space import SearchSpace

GPSettings = Literal["fast", "skopt-default"]
FAST_N_POINTS = 2000
KERNEL_MAXITER = 8  # L-BFGS iterations for the GP kernel's hyperparameters per fit


def _capped_lbfgs(obj_func: Any, initial_theta: Any, bounds: Any) -> tuple[Any, float]:
    """sklearn GP optimizer hook: the usual L-BFGS-B on the log marginal likelihood, with a fixed
    iteration budget (the kernel fit is most of an ask's time; a few iterations get close)."""
    from scipy.optimize import minimize

    res = minimize(obj_func, initial_theta, method="L-BFGS-B", jac=True, bounds=bounds,
                   options={"maxiter": KERNEL_MAXITER})
    return res.x, float(res.fun)


def _estimator(kind: str, space: SearchSpace, seed: int, settings: str) -> Any:
    if kind != "gp":
        return {"rf": "RF", "et": "ET"}[kind]
    if settings == "skopt-default":
        return "GP"
    from skopt.space import Space
    from skopt.utils import cook_estimator

    gp = cook_estimator("GP", space=Space(space.to_skopt()), random_state=seed, noise="gaussian")
    gp.set_params(n_restarts_optimizer=0, optimizer=_capped_lbfgs)
    return gp


class GPOptions(Options):
    n_initial: DesignSize | None = None
    gp_settings: GPSettings = "fast"


class ForestOptions(Options):
    n_initial: DesignSize | None = None
    surrogate: Literal["rf", "et"] = "rf"


class SkoptOptimizer(OptimizerPlugin):
    """`kind`: "gp" (GP + EI), "rf" (random forest), "et" (extra trees)."""

    def __init__(
        self,
        space: SearchSpace,
        seed: int,
        *,
        kind: str = "gp",
        n_initial: int = 1,
        settings: GPSettings,
        design: list[dict[str, Any]] | None = None,
    ) -> None:
        from skopt import Optimizer as SkOptimizer

        self.name = kind
        self.space = space
        self.kind = kind
        self._design = list(design) if design is not None else initial_design(space, seed, n_initial)
        kwargs: dict[str, Any] = {"acq_func": "EI", "acq_optimizer": "sampling",
                                  "acq_optimizer_kwargs": {"n_points": FAST_N_POINTS}}
        if settings == "skopt-default":
            kwargs = {}
        self._opt = SkOptimizer(
            space.to_skopt(), base_estimator=_estimator(kind, space, seed, settings),
            n_initial_points=0, random_state=seed, **kwargs,
        )
        self._buffer_x: list[list[Any]] = []
        self._buffer_y: list[float] = []
        self._told = 0

    def ask(self) -> Proposal:
        if self._design:
            return Proposal(self._design.pop(0), "initial")
        if not self._told and not self._buffer_x:
            raise UserError(f"{self.name}: ask() before any result was told and with no initial design left")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "evaluated at this point before" and sklearn convergence noise
            if self._buffer_x:
                self._opt.tell(self._buffer_x, self._buffer_y)
                self._told += len(self._buffer_x)
                self._buffer_x, self._buffer_y = [], []
            point = self._opt.ask()
        config, _ = self.space.repair(self.space.from_skopt(point))
        return Proposal(config, self.kind)

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        self._buffer_x.append(self.space.to_skopt_point(config))
        self._buffer_y.append(float(result.loss))


class SkoptGP(SkoptOptimizer):
    """`gp`: GP + expected improvement after the shared initial design."""

    Options = GPOptions

    @classmethod
    def build(cls, options: GPOptions, *, space: SearchSpace, seed: int, budget: int, **_: Any) -> SkoptGP:
        return cls(space, seed, kind="gp", n_initial=design_size(options.n_initial, budget), settings=options.gp_settings)


class SkoptForest(SkoptOptimizer):
    """`rf`: a random-forest (or, with surrogate = "et", extra-trees) surrogate."""

    Options = ForestOptions

    @classmethod
    def build(cls, options: ForestOptions, *, space: SearchSpace, seed: int, budget: int, **_: Any) -> SkoptForest:
        # the forests always score EI on sampled candidates ("fast"); gp_settings is a GP option
        opt = cls(space, seed, kind=options.surrogate, n_initial=design_size(options.n_initial, budget), settings="fast")
        opt.name = "rf"
        return opt
