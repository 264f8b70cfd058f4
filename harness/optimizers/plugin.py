"""The optimizer plugin contract (like optuna's BaseSampler, CARP-S's Optimizer): what one registry
line points at.

A plugin class declares
- `Options`: a pydantic model of its options (strict types, `extra="forbid"`), so a typo or a wrong
  type in a campaign spec is one error naming the option and the optimizer, before anything runs;
  rules between options (or between an option and the budget) live here too, once;
- `uses_llm` / `needs_images`: what the campaign must give it (a model; a vision model);
- `build(options, *, space, seed, budget, task, model, gateway, workdir, revisions)`: the optimizer
  for one run (anything with `name`, `ask()` and `tell()`, see base.py), from options already
  validated; `revisions` (harness/revisions.py) says which prompt, plot and proposal rules the
  campaign was recorded with: an LLM optimizer must follow them, others ignore them.

Optional hooks (like optuna's `BaseSampler`): declared on `OptimizerPlugin` with defaults that do
nothing, each saying when it is called; an optimizer overrides only those it needs. Nobody probes
an optimizer with `getattr` (tests/test_hooks.py): whatever the driver drives is an
`OptimizerPlugin` by type, because `optimizers.create` and the driver pass what they are given
through `as_plugin`, which wraps any other optimizer (a plain build function's result, a test's
object) in `PlainOptimizer`, the one place that maps an undeclared object's hooks.

`harness.optimizers.create` validates the options (with the budget as context), fills in the model
and gateway of LLM optimizers and calls `build`; nothing else builds one from raw options (a hybrid
builds its LLM part from its own validated options).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol, runtime_checkable

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from llmhpo.harness.optimizers.ask_tell import Optimizer, Proposal, ValidationResult
from llmhpo.harness.optimizers.initial import n_initial_for

if TYPE_CHECKING:
    from llmhpo.gateway.client import LLMClient
    from llmhpo.harness.benchmarks.base import Benchmark
    from llmhpo.harness.revisions import Revisions
    from llmhpo.harness.space import SearchSpace


def _within_budget(value: int | None, info: ValidationInfo) -> int | None:
    """A design larger than the budget is never used (and may not fit in memory)."""
    budget = (info.context or {}).get("budget")
    if value is not None and budget is not None and value > budget:
        raise ValueError(f"{value} cannot exceed the budget ({budget})")
    return value


# How many trials an initial design (or an LLM warm start) takes: None = a quarter of the budget.
DesignSize = Annotated[int, Field(ge=1), AfterValidator(_within_budget)]


def design_size(value: int | None, budget: int) -> int:
    """The size asked for, else the project's default (initial.n_initial_for)."""
    return value if value is not None else n_initial_for(budget)


class Options(BaseModel):
    """Base of every optimizer's options: no unknown names, no silent type coercion ("3" is not 3)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {name: field.default for name, field in cls.model_fields.items()}


# The optional hooks below, by name (the guard in tests/test_hooks.py reads it).
HOOKS = ("stopped", "stop_reason", "drain_calls", "narrow")


class OptimizerPlugin:
    """Base of a registered optimizer class; subclasses set `Options`, the flags and `build`.

    An instance is one run's optimizer (`name`, `ask()`, `tell()`, base.py) and may override the
    optional hooks below."""

    Options: ClassVar[type[Options]] = Options
    uses_llm: ClassVar[bool] = False
    needs_images: ClassVar[bool] = False

    def ask(self) -> Proposal:
        """The next config to evaluate, with where it came from and its transcript (base.Proposal)."""
        raise NotImplementedError(f"{type(self).__name__} must define ask()")

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        """The result of evaluating `config`: its validation loss, status and cost (never a test loss)."""
        raise NotImplementedError(f"{type(self).__name__} must define tell()")

    stopped: bool = False
    """Optional hook, read by the campaign driver before every ask: True ends this run before its
    budget, and the run counts as complete (early stopping: the `patience` option). Default: never."""

    stop_reason: str = "optimizer stopped"
    """Optional hook, read by the driver once `stopped` turned True: why, journaled in stopped.jsonl."""

    def drain_calls(self) -> list[dict[str, Any]]:
        """Optional hook, called by the driver right after every `tell()`: the LLM calls this
        optimizer made inside `tell()` since the last drain (llm-tpe's narrowing), which join that
        trial's transcript as `tell_calls` so their usage is counted. Default: none."""
        return []

    def narrow(self, space: SearchSpace) -> None:
        """Optional hook, called by a hybrid optimizer on its model-based part (llm-tpe on its TPE,
        every `narrow_every` results) with a narrower space the LLM proposed: sample from it from now
        on. Default: ignore it (an optimizer that cannot narrow keeps its full space)."""
        return None

    @classmethod
    def build(
        cls, options: Any, *, space: SearchSpace, seed: int, budget: int, task: Benchmark | None = None,
        model: str | None = None, gateway: LLMClient | None = None, workdir: Path | None = None,
        revisions: Revisions | None = None,
    ) -> Optimizer:
        """The optimizer of one run. `options`: an instance of `cls.Options`, validated (typed `Any`
        here only so that each subclass may name its own Options class); `task`: the benchmark, for
        its description (None: a bare space); `gateway`/`model`: set for `uses_llm` classes;
        `workdir`: this run's own directory for files (None: keep none)."""
        raise NotImplementedError(f"{cls.__name__} must define build()")


def as_plugin(optimizer: Optimizer) -> OptimizerPlugin:
    """`optimizer` itself when it is an OptimizerPlugin, else wrapped in a `PlainOptimizer`."""
    return optimizer if isinstance(optimizer, OptimizerPlugin) else PlainOptimizer(optimizer)


@runtime_checkable
class _StopsEarly(Protocol):
    stopped: bool


@runtime_checkable
class _SaysWhy(Protocol):
    stop_reason: str


@runtime_checkable
class _DrainsCalls(Protocol):
    def drain_calls(self) -> list[dict[str, Any]]: ...


@runtime_checkable
class _Narrows(Protocol):
    def narrow(self, space: SearchSpace) -> None: ...


class PlainOptimizer(OptimizerPlugin):
    """An optimizer that is not an OptimizerPlugin (what a plain build function registered with
    `optimizers.register` returns, an object a test hands the driver) seen as one: `name`, `ask` and
    `tell` are forwarded. Its hooks are mapped here and nowhere else: a hook the wrapped object
    implements (matched by the typed protocols above) is forwarded; one it lacks keeps the
    do-nothing default of OptimizerPlugin. The wrapped optimizer is `inner`."""

    def __init__(self, inner: Optimizer) -> None:
        self.inner = inner
        self.name = inner.name

    def ask(self) -> Proposal:
        return self.inner.ask()

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        self.inner.tell(config, result)

    @property  # type: ignore[override]
    def stopped(self) -> bool:
        return isinstance(self.inner, _StopsEarly) and bool(self.inner.stopped)

    @property  # type: ignore[override]
    def stop_reason(self) -> str:
        return self.inner.stop_reason if isinstance(self.inner, _SaysWhy) else OptimizerPlugin.stop_reason

    def drain_calls(self) -> list[dict[str, Any]]:
        return self.inner.drain_calls() if isinstance(self.inner, _DrainsCalls) else []

    def narrow(self, space: SearchSpace) -> None:
        if isinstance(self.inner, _Narrows):
            self.inner.narrow(space)
