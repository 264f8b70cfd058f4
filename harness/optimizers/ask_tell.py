"""The optimizer contract: ask() a Proposal, tell() a ValidationResult; one instance per run.

Why a separate type for tell(): the benchmark's Evaluation also carries the test loss (and info
with test metrics), which must never steer a search. The driver converts every Evaluation with
`validation_only()` before telling, so an optimizer cannot read test results even by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from llmhpo.harness.benchmarks.base import Evaluation, Status


@dataclass(frozen=True)
class Proposal:
    """A configuration to evaluate next.

    source: who produced it ("random", "initial", "gp", "tpe", "llm", "llm-fallback", ...).
    transcript: for LLM proposals, a JSON-ready record of prompts, raw replies, parse outcome,
    repairs, attempts, fallback, usage, cost and cache hits (as journaled: `Transcript.to_json()` of
    optimizers/transcript.py, read back with `Transcript.read`); None for classical optimizers.
    """

    config: dict[str, Any]
    source: str
    transcript: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """What an optimizer is told about an evaluated config: validation loss, status ("ok" or
    "crashed") and cost in seconds. No test loss, no info dict (slots: no other attribute exists)."""

    loss: float
    status: Status = "ok"
    cost_s: float = 0.0


def validation_only(evaluation: Evaluation | ValidationResult) -> ValidationResult:
    """The part of an evaluation an optimizer may see."""
    return ValidationResult(loss=float(evaluation.loss), status=evaluation.status, cost_s=float(evaluation.cost_s))


@runtime_checkable
class Optimizer(Protocol):
    """What every optimizer has. The optional hooks (early stop, calls made in tell, narrowing) are
    declared with their defaults on `plugin.OptimizerPlugin`; an optimizer that is not one is wrapped
    by `plugin.as_plugin` before the driver drives it."""

    name: str

    def ask(self) -> Proposal: ...

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None: ...
