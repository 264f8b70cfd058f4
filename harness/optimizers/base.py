"""The optimizer contract: ask() a Proposal, tell() its Evaluation; one instance per run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from harness.benchmarks.base import Evaluation


@dataclass(frozen=True)
class Proposal:
    """A configuration to evaluate next.

    source: who produced it ("random", "initial", "gp", "tpe", "llm", "llm-fallback", ...).
    transcript: for LLM proposals, a JSON-ready record of prompts, raw replies, parse outcome,
    repairs, attempts, fallback, usage, cost and cache hits; None for classical optimizers.
    """

    config: dict[str, Any]
    source: str
    transcript: dict[str, Any] | None = None


@runtime_checkable
class Optimizer(Protocol):
    name: str

    def ask(self) -> Proposal: ...

    def tell(self, config: dict[str, Any], evaluation: Evaluation) -> None: ...
