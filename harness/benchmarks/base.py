"""The benchmark contract: a named, versioned objective over a SearchSpace.

Optimizers only ever see `Evaluation.loss` (validation loss); `test_loss` is for reports.

A family is written as a subclass of `BaseBenchmark` (like HPOBench's `AbstractBenchmark`): the
base class validates and canonicalises the config once, then hands `_evaluate` a clean dict.
`canonical_config` is the one place a trial's config is canonicalised: its result is marked with
the benchmark it was checked for, so the evaluation key (driver), the executor worker and the
benchmark all use that same dict instead of each checking it again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal, NoReturn, Protocol, runtime_checkable

from llmhpo.harness.space import SearchSpace

Status = Literal["ok", "crashed"]


@dataclass(frozen=True)
class Evaluation:
    loss: float
    test_loss: float | None
    cost_s: float
    status: Status = "ok"
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evaluation:
        return cls(
            loss=float(d["loss"]),
            test_loss=None if d.get("test_loss") is None else float(d["test_loss"]),
            cost_s=float(d.get("cost_s", 0.0)),
            status=d.get("status", "ok"),
            info=dict(d.get("info") or {}),
        )


@runtime_checkable
class Benchmark(Protocol):
    """What every benchmark provides (BaseBenchmark implements it; a wrapper may too).

    name: registry name, e.g. "svm/credit-g"; worst_loss: the loss recorded for a crashed
    evaluation; version, deterministic, fidelity, expected_seconds: see BaseBenchmark, which
    documents them and gives them defaults.
    """

    name: str
    version: str
    space: SearchSpace
    deterministic: bool
    worst_loss: float
    fidelity: dict[str, Any]
    expected_seconds: float

    def describe(self) -> str:
        """Model and dataset description used in LLM prompts."""
        ...

    def evaluate(self, config: dict[str, Any], seed: int) -> Evaluation:
        """Evaluate a config (strict: raises harness.errors.InvalidConfig outside the space)."""
        ...


class ReadOnlyConfig(TypeError):
    """Code changed a canonical config in place: a bug in that code, never a crashed trial."""


class CanonicalConfig(dict[str, Any]):
    """`SearchSpace.canonical(config)` of one benchmark, marked with that benchmark's name.

    Read-only, so the mark stays true while the dict travels (journal, optimizer, executor worker);
    it pickles with its mark, so a worker process trusts it too. `dict(c)` gives a mutable copy.
    """

    __slots__ = ("benchmark",)

    def __init__(self, values: dict[str, Any], benchmark: str) -> None:
        dict.__init__(self, values)
        self.benchmark = benchmark

    def __reduce__(self) -> tuple[Any, ...]:
        return CanonicalConfig, (dict(self), self.benchmark)

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ReadOnlyConfig("a canonical config is read-only; change a copy: dict(config)")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]


def task_description(task: Benchmark, revision: str) -> str:
    """The prompt's description of `task` under prompts revision `revision`: `describe_for` of a
    BaseBenchmark, else its one `describe()` (a plain Benchmark or a wrapper keeps one wording)."""
    return task.describe_for(revision) if isinstance(task, BaseBenchmark) else task.describe()


def canonical_config(benchmark: Benchmark, config: Any) -> CanonicalConfig:
    """The validated, canonical config (InvalidConfig naming the parameter otherwise); a config
    already canonicalised for this benchmark is returned as it is, not checked again."""
    if isinstance(config, CanonicalConfig) and config.benchmark == benchmark.name:
        return config
    return CanonicalConfig(benchmark.space.canonical(config), benchmark.name)


class BaseBenchmark(Benchmark, ABC):
    """Base class of every benchmark family: one module with one subclass, one registry line.

    A subclass sets `name`, `space` and `worst_loss`, implements `describe`, `_evaluate` (which
    receives a valid, canonical config: parameter order, native numbers, grid values) and the two
    classmethods the registry calls, `names()` and `create(name, fidelity)`. The other attributes
    have defaults, below; set one only when the default is not true of the family.
    """

    version: str = "1"
    """Bumped whenever a result could change (code, data, metric): part of every evaluation-cache
    key, so a new version never reads an old version's cached losses."""

    deterministic: bool = False
    """True when the same (config, seed) always gives the same loss (a table lookup, a seeded
    training run on one thread). LLM optimizers then re-ask instead of proposing a config already
    evaluated, prompts say so, and BenchmarkSuite checks it (also from a fresh instance). Default
    False: nothing is assumed."""

    expected_seconds: float = 1.0
    """A rough upper bound on the wall time of one evaluation on a laptop core, for budgeting
    campaigns (`llmhpo benchmarks` lists it; scripts/bench_benchmarks.py measures it against the
    real time). Default 1.0: a second, when the family does not know better."""

    @property
    def fidelity(self) -> dict[str, Any]:
        """The fixed fidelity this benchmark evaluates at (trees, epochs, subsample: its cost, not
        its search space), as overridden by a `name@k=v` suffix; part of the evaluation-cache key.
        Default {}: a benchmark without a fidelity. A subclass assigns `self.fidelity = {...}`."""
        return self.__dict__.setdefault("_fidelity", {})

    @fidelity.setter
    def fidelity(self, value: dict[str, Any]) -> None:
        self.__dict__["_fidelity"] = dict(value)

    @classmethod
    @abstractmethod
    def names(cls) -> list[str]:
        """Every benchmark name this family serves (may depend on optional set-up)."""

    @classmethod
    @abstractmethod
    def create(cls, name: str, fidelity: dict[str, Any] | None = None) -> BaseBenchmark:
        """The benchmark `name` (KeyError when this family has no such name; UserError for a bad fidelity)."""

    # prompts revision -> the family's description under it, where it differs from describe() (never
    # edited once a campaign may have run with it: harness/revisions.py); a function of the benchmark
    old_descriptions: ClassVar[Mapping[str, Callable[[Any], str]]] = {}

    @abstractmethod
    def describe(self) -> str:
        """Model and dataset description used in LLM prompts (the newest prompts revision's)."""

    def describe_for(self, revision: str) -> str:
        """The description a campaign of prompts revision `revision` is shown."""
        old = self.old_descriptions.get(revision)
        return old(self) if old is not None else self.describe()

    @abstractmethod
    def _evaluate(self, config: CanonicalConfig, seed: int) -> Evaluation:
        """Evaluate a config that is already valid and canonical."""

    def evaluate(self, config: dict[str, Any], seed: int) -> Evaluation:
        """Strict: InvalidConfig naming the parameter before any work; then `_evaluate`."""
        return self._evaluate(canonical_config(self, config), seed)
