"""TPE through optuna's ask/tell interface (the SLLMBO baseline and half of llm-tpe).

The shared initial design is enqueued first and TPE's random start-up phase is set to its
length, so TPE models from the same first points as GP and RF. Configs proposed elsewhere (a
hybrid's LLM trials) are added as finished trials, so TPE learns from every result.
"""

from __future__ import annotations

import warnings
from typing import Any

from llmhpo.harness.optimizers.ask_tell import Proposal, ValidationResult
from llmhpo.harness.optimizers.initial import initial_design
from llmhpo.harness.optimizers.plugin import DesignSize, OptimizerPlugin, Options, design_size
from llmhpo.harness.space import SearchSpace


class TPEOptions(Options):
    n_initial: DesignSize | None = None
    multivariate: bool = False


class TPEOptimizer(OptimizerPlugin):
    name = "tpe"
    Options = TPEOptions

    @classmethod
    def build(cls, options: TPEOptions, *, space: SearchSpace, seed: int, budget: int, **_: Any) -> TPEOptimizer:
        return cls(space, seed, n_initial=design_size(options.n_initial, budget), multivariate=options.multivariate)

    def __init__(self, space: SearchSpace, seed: int, *, n_initial: int = 1, multivariate: bool = False) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space = space
        self._distributions = space.to_optuna()
        self._full_distributions = dict(self._distributions)
        self._sampling_space = space
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=n_initial, multivariate=multivariate)
        self.study = optuna.create_study(direction="minimize", sampler=sampler)
        for config in initial_design(space, seed, n_initial):
            self.study.enqueue_trial(space.encode(config))
        self._n_design = n_initial
        self._asked = 0
        self._pending: dict[str, Any] = {}

    def ask(self) -> Proposal:
        with warnings.catch_warnings():  # an enqueued design point outside a narrowed range is repaired below
            warnings.filterwarnings("ignore", message="Fixed parameter", category=UserWarning)
            trial = self.study.ask(self._distributions)
        config, _ = self._sampling_space.repair(self._sampling_space.decode(trial.params))  # enqueued points may lie outside a narrowing
        self._pending[self._key(config)] = trial
        self._asked += 1
        return Proposal(config, "initial" if self._asked <= self._n_design else "tpe")

    def _key(self, config: dict[str, Any]) -> str:
        """Pending trials are found by the config as prompts show it: a hybrid evaluating a TPE proposal
        rounded that way (proposals revision 2) still tells TPE which of its trials it was."""
        return self.space.key(self.space.shown(config))

    def narrow(self, space: SearchSpace) -> None:
        """Sample from now on inside `space` (a sub-space of the original, e.g. LLM-narrowed)."""
        self._distributions = space.to_optuna()
        self._sampling_space = space

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        import optuna

        trial = self._pending.pop(self._key(config), None)
        if trial is not None:
            if self.space.key(self.space.repair(self._sampling_space.decode(trial.params))[0]) == self.space.key(config):
                self.study.tell(trial, float(result.loss))
                return
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)  # TPE learns the config actually run
        self.study.add_trial(
            optuna.trial.create_trial(params=self.space.encode(config), distributions=self._full_distributions,
                                      value=float(result.loss))
        )
