"""The benchmark contract: a named, versioned objective over a SearchSpace.

Optimizers only ever see `Evaluation.loss` (validation loss); `test_loss` is for reports.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from harness.space import SearchSpace

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
    """What every benchmark family provides.

    name: registry name, e.g. "svm/credit-g"; version: bumped whenever results could change
    (it is part of the evaluation-cache key); deterministic: the same (config, seed) always gives
    the same loss (optimizers use it to re-ask on duplicates); worst_loss: the loss recorded for a
    crashed evaluation; fidelity: the fixed fidelity used (part of the cache key);
    expected_seconds: rough cost of one evaluation, for budgeting.
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
