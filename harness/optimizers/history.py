"""What an LLM optimizer remembers of a run: one Observation per told trial, in order.

Prompts and plots are rebuilt from this list on every ask, so a chat conversation is a pure
function of the history (replays reproduce it byte for byte) and trials proposed by another
method (hybrids, an optuna study) slot in naturally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Observation:
    """One evaluated config as the optimizer saw it (validation loss only, never test loss).

    reply: the assistant text this config answered with (chat style), None when another method
    proposed it. notes: adjustments the model should hear about (repairs, fallback, perturbation).
    """

    config: dict[str, Any]
    loss: float
    crashed: bool = False
    reply: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def own(self) -> bool:
        return self.reply is not None


def best_so_far(losses: list[float]) -> list[float]:
    """Running minimum, the usual incumbent trace; a NaN loss (a journal row without one) never
    becomes the incumbent, so NaN appears only before the first real loss."""
    best, out = math.nan, []
    for x in losses:
        if math.isnan(best) or x < best:
            best = x
        out.append(best)
    return out
