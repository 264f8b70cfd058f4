"""Early stopping by patience (SLLMBO): a run ends after `patience` results without improvement.

One mechanism for every optimizer with the `patience` option: `PatienceStop`, a base that sets the
`stopped` / `stop_reason` hooks (plugin.py) from the losses its subclass reports with `_observed`.
`llm-tpe` (hybrid.py) inherits it; the plain `llm` optimizer is wrapped in `WithPatience`. The
campaign driver then ends the run and journals the early stop, and the report carries the run's
incumbent to the end of the budget (a user's early-stopped run keeps its best config).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import Field

from llmhpo.harness.optimizers.ask_tell import Proposal, ValidationResult
from llmhpo.harness.optimizers.history import Observation
from llmhpo.harness.optimizers.plugin import OptimizerPlugin, Options

if TYPE_CHECKING:
    from llmhpo.harness.space import SearchSpace


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


class PatienceStop(OptimizerPlugin):
    """Base of an optimizer with the `patience` option: call `_start_patience` in `__init__` and
    `_observed(loss)` in `tell`; `stopped` turns True (for good) once patience ran out."""

    _patience: Patience

    def _start_patience(self, patience: int) -> None:
        self._patience = Patience(patience)
        self.stopped = False
        self.stop_reason = self._patience.reason

    def _observed(self, loss: float) -> None:
        self.stopped = self.stopped or self._patience.update(float(loss))


class Remembering(Protocol):
    """What `WithPatience` wraps (an LLMOptimizer, which imports this module): the optimizer contract
    with the hooks it forwards, and the `history` it shows."""

    @property
    def name(self) -> str: ...

    @property
    def history(self) -> list[Observation]: ...

    def ask(self) -> Proposal: ...

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None: ...

    def drain_calls(self) -> list[dict[str, Any]]: ...

    def narrow(self, space: SearchSpace) -> None: ...


class WithPatience(PatienceStop):
    """Any optimizer plus early stopping (the plain `llm` optimizer's `patience` option). Forwards
    the optimizer contract (`name`, `ask`, `tell`, the hooks `drain_calls` / `narrow`) and `history`
    (what callers read of an LLM optimizer); the wrapped one is `inner`."""

    def __init__(self, inner: Remembering, patience: int) -> None:
        self.inner = inner
        self.name = inner.name
        self._start_patience(patience)

    @property
    def history(self) -> list[Observation]:
        return self.inner.history

    def ask(self) -> Proposal:
        return self.inner.ask()

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        self.inner.tell(config, result)
        self._observed(result.loss)

    def drain_calls(self) -> list[dict[str, Any]]:
        return self.inner.drain_calls()

    def narrow(self, space: SearchSpace) -> None:
        self.inner.narrow(space)
