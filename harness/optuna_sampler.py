"""`LLMSampler`: let any optuna study draw whole configurations from the llm / mmllm optimizers.

    import optuna
    from llmhpo.harness.optuna_sampler import LLMSampler

    study = optuna.create_study(sampler=LLMSampler(model="local/smollm2-135m", budget=20, seed=0))
    study.optimize(objective, n_trials=20)

Whole configs are proposed in `sample_relative` (the LLM sees the joint history, as in the
papers). Without an explicit `space`, the search space is what optuna infers from finished trials
(the intersection of their distributions); until the first trial finishes, parameters come from
a seeded RandomSampler. Failed trials are skipped; a maximizing study's values are negated,
because the LLM optimizer always minimizes a loss.

Distributions the harness space cannot express (stepped floats and ints, one-value ranges) are
sampled independently by that RandomSampler, so a study using them still runs: the LLM proposes
the rest. Multi-objective studies are refused with ValueError, as optuna's sampler contract asks.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.search_space import IntersectionSearchSpace
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from llmhpo.harness.errors import UserError
from llmhpo.harness.optimizers import create
from llmhpo.harness.optimizers.ask_tell import ValidationResult
from llmhpo.harness.space import Categorical, Float, Int, SearchSpace

if TYPE_CHECKING:
    from llmhpo.gateway.client import LLMClient
    from llmhpo.harness.benchmarks.base import Benchmark

SAMPLER_OPTIMIZERS = ("llm", "mmllm", "mmllm-image-only")


def expressible(d: BaseDistribution) -> bool:
    """Whether a harness parameter can stand for `d` (unstepped float, step-1 int, categorical;
    never a range of one value)."""
    if isinstance(d, CategoricalDistribution):
        return True
    if isinstance(d, FloatDistribution):
        return d.step is None and d.low < d.high
    return isinstance(d, IntDistribution) and d.step == 1 and d.low < d.high


def space_from_optuna(distributions: dict[str, BaseDistribution]) -> SearchSpace:
    """SearchSpace for optuna distributions (anything not `expressible`: UserError)."""
    params: list[Any] = []
    for name, d in sorted(distributions.items()):
        if not expressible(d):
            raise UserError(f"LLMSampler cannot handle parameter {name!r} with distribution {d!r}")
        if isinstance(d, FloatDistribution):
            params.append(Float(name, d.low, d.high, log=d.log))
        elif isinstance(d, IntDistribution):
            params.append(Int(name, d.low, d.high, log=d.log))
        else:
            assert isinstance(d, CategoricalDistribution)
            params.append(Categorical(name, tuple(d.choices)))
    return SearchSpace(params)


def _single_objective(study: optuna.Study) -> None:
    if len(study.directions) > 1:
        raise ValueError("LLMSampler supports single-objective studies only: the LLM optimizer minimizes one loss")


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
        gateway: LLMClient | None = None,
        optimizer: str = "llm",
        style: str | None = None,
        seed: int = 0,
        budget: int | None = None,
        task: Benchmark | None = None,
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
        self._lock = threading.Lock()  # optuna's n_jobs runs trials in threads; the optimizer is one run
        if space is not None:
            self._build(space)

    @property
    def proposals(self) -> dict[int, Any]:
        """trial number -> harness Proposal (config, source, transcript), for inspection."""
        return self._proposals

    def _build(self, space: SearchSpace) -> None:
        self._space = space
        self._optimizer = create(self._optimizer_name, space=space, **self._args)
        self._told = set()

    def reseed_rng(self) -> None:
        self._fallback.reseed_rng()

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        _single_objective(study)
        if self._fixed_space:
            assert self._space is not None
            return self._space.to_optuna(ordinal_index=False)
        return self._intersection.calculate(study)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        _single_objective(study)
        llm_part = {k: d for k, d in search_space.items() if expressible(d)}
        params = {k: self._fallback.sample_independent(study, trial, k, d)
                  for k, d in search_space.items() if k not in llm_part}
        if not llm_part:
            return params
        with self._lock:
            if not self._fixed_space:
                inferred = space_from_optuna(llm_part)
                if self._space != inferred:
                    self._build(inferred)
            assert self._space is not None
            self._tell_finished(study)
            proposal = self._optimizer.ask()
            self._proposals[trial.number] = proposal
        return {**params, **{k: proposal.config[k] for k in llm_part if k in proposal.config}}

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
        _single_objective(study)
        return self._fallback.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(
        self, study: optuna.Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self._fallback.after_trial(study, trial, state, values)
