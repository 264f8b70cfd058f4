"""`LLMSampler`: let any optuna study draw whole configurations from the llm / mmllm optimizers.

    import optuna
    from harness.optuna import LLMSampler

    study = optuna.create_study(sampler=LLMSampler(model="local/smollm2-135m", budget=20, seed=0))
    study.optimize(objective, n_trials=20)

Whole configs are proposed in `sample_relative` (the LLM sees the joint history, as in the
papers). Without an explicit `space`, the search space is what optuna infers from finished trials
(the intersection of their distributions); until the first trial finishes, parameters come from
a seeded RandomSampler. Failed trials are skipped; a maximizing study's values are negated,
because the LLM optimizer always minimizes a loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.search_space import IntersectionSearchSpace
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from harness.errors import UserError
from harness.optimizers.base import ValidationResult
from harness.space import Categorical, Float, Int, SearchSpace

SAMPLER_OPTIMIZERS = ("llm", "mmllm", "mmllm-image-only")


def space_from_optuna(distributions: dict[str, BaseDistribution]) -> SearchSpace:
    """SearchSpace for optuna distributions (stepped floats/ints are not supported: UserError)."""
    params: list[Any] = []
    for name, d in sorted(distributions.items()):
        if isinstance(d, FloatDistribution) and d.step is None:
            params.append(Float(name, d.low, d.high, log=d.log))
        elif isinstance(d, IntDistribution) and d.step == 1:
            params.append(Int(name, d.low, d.high, log=d.log))
        elif isinstance(d, CategoricalDistribution):
            params.append(Categorical(name, tuple(d.choices)))
        else:
            raise UserError(f"LLMSampler cannot handle parameter {name!r} with distribution {d!r}")
    return SearchSpace(params)


class LLMSampler(optuna.samplers.BaseSampler):
    """An optuna sampler backed by `harness.optimizers.create(optimizer, ...)`.

    space: a harness SearchSpace (recommended: it carries log scales and meanings) or None to
    infer it from the study. Other keyword options go to the optimizer (style, cot, ...).
    """

    def __init__(
        self,
        space: SearchSpace | None = None,
        *,
        model: str | None = None,
        gateway: Any = None,
        optimizer: str = "llm",
        style: str | None = None,
        seed: int = 0,
        budget: int | None = None,
        task: Any = None,
        **options: Any,
    ) -> None:
        if optimizer not in SAMPLER_OPTIMIZERS:
            raise UserError(f"LLMSampler optimizer must be one of {', '.join(SAMPLER_OPTIMIZERS)}, got {optimizer!r}")
        if style is not None:
            options["style"] = style
        if budget is None:
            options.setdefault("budget_sentence", False)
        self._space = space
        self._fixed_space = space is not None
        self._args = dict(model=model, gateway=gateway, seed=seed, budget=budget or 10**6, task=task, **options)
        self._optimizer_name = optimizer
        self._optimizer: Any = None
        self._told: set[int] = set()
        self._proposals: dict[int, Any] = {}
        self._intersection = IntersectionSearchSpace()
        self._fallback = optuna.samplers.RandomSampler(seed=seed)
        if space is not None:
            self._build(space)

    @property
    def proposals(self) -> dict[int, Any]:
        """trial number -> harness Proposal (config, source, transcript), for inspection."""
        return self._proposals

    def _build(self, space: SearchSpace) -> None:
        from harness.optimizers import create

        self._space = space
        self._optimizer = create(self._optimizer_name, space=space, **self._args)
        self._told = set()

    def reseed_rng(self) -> None:
        self._fallback.reseed_rng()

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        if self._fixed_space:
            assert self._space is not None
            return self._space.to_optuna(ordinal_index=False)
        return self._intersection.calculate(study)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        if not self._fixed_space:
            inferred = space_from_optuna(search_space)
            if self._space != inferred:
                self._build(inferred)
        assert self._space is not None
        self._tell_finished(study)
        proposal = self._optimizer.ask()
        self._proposals[trial.number] = proposal
        return {k: proposal.config[k] for k in search_space}

    def _tell_finished(self, study: optuna.Study) -> None:
        assert self._space is not None
        sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            if t.number in self._told or not all(n in t.params for n in self._space.names):
                continue
            config, _ = self._space.repair({n: t.params[n] for n in self._space.names})
            self._optimizer.tell(config, ValidationResult(loss=sign * float(t.value)))
            self._told.add(t.number)

    def sample_independent(
        self, study: optuna.Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        return self._fallback.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self, study: optuna.Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self._fallback.after_trial(study, trial, state, values)
