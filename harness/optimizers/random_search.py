"""Random search: the baseline every other optimizer must beat.

Uses `SearchSpace.sample`, so log ranges are sampled log-uniformly and grids uniformly; the only
state is one seeded generator, so the same seed gives the same sequence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmhpo.harness.optimizers.ask_tell import Proposal, ValidationResult
from llmhpo.harness.optimizers.plugin import OptimizerPlugin, Options
from llmhpo.harness.space import SearchSpace


class RandomSearch(OptimizerPlugin):
    name = "random"
    # no options: OptimizerPlugin.Options

    @classmethod
    def build(cls, options: Options, *, space: SearchSpace, seed: int, **_: Any) -> RandomSearch:
        return cls(space, seed)

    def __init__(self, space: SearchSpace, seed: int) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)

    def ask(self) -> Proposal:
        return Proposal(self.space.sample(self.rng), "random")

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        """Random search learns nothing."""
