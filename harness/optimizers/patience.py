"""Early stopping by patience (SLLMBO): a run ends after `patience` results without improvement.

The optimizer sets `stopped = True` (and says why in `stop_reason`); the campaign driver then ends
the run and journals the early stop, and the report carries the run's incumbent to the end of the
budget (a user's early-stopped run keeps its best config).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from llmhpo.harness.optimizers.base import Proposal, ValidationResult
from llmhpo.harness.optimizers.plugin import Options


class PatienceOptions(Options):
    """The `patience` option of the optimizers that can stop early (llm, llm-tpe)."""

    patience: int = Field(0, ge=0, description="stop after this many results without improvement; 0 = never")


class Patience:
    """Counts trials since the last improvement of the best loss (0 = never stop)."""

    def __init__(self, patience: int) -> None:
        self.patience = int(patience)
        self.best = math.inf
        self.since = 0

    def update(self, loss: float) -> bool:
        if loss < self.best:
            self.best, self.since = loss, 0
        else:
            self.since += 1
        return self.patience > 0 and self.since >= self.patience

    @property
    def reason(self) -> str:
        return f"patience: {self.patience} trials without improvement"


class WithPatience:
    """Any optimizer plus early stopping (used for the plain `llm` optimizer's `patience` option)."""

    def __init__(self, inner: Any, patience: int) -> None:
        self.inner = inner
        self.name = inner.name
        self._patience = Patience(patience)
        self.stopped = False
        self.stop_reason = self._patience.reason

    def ask(self) -> Proposal:
        return self.inner.ask()

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        self.inner.tell(config, result)
        self.stopped = self.stopped or self._patience.update(float(result.loss))

    def __getattr__(self, name: str) -> Any:  # history, spec, ... of the wrapped optimizer
        return getattr(self.inner, name)
