"""A toy optimizer written the way a plugin would be: one file following the plugin contract
(harness/optimizers/plugin.py: typed `Options`, flags, `build`), registered with one
`harness.optimizers.register("hill-climb", HillClimb)` call (see test_plugins.py).

Greedy local search: start at the space's default, then perturb the incumbent (the best config told
so far, crashed trials never count) with the harness's own neighbourhood move.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from llmhpo.harness.optimizers.ask_tell import Proposal
from llmhpo.harness.optimizers.perturb import perturb
from llmhpo.harness.optimizers.plugin import OptimizerPlugin, Options
from llmhpo.harness.space import SearchSpace


class HillClimbOptions(Options):
    restart_after: int = Field(3, ge=1, description="restart from a random config after this many non-improving trials")


class HillClimb(OptimizerPlugin):
    name = "hill-climb"
    Options = HillClimbOptions  # uses_llm = needs_images = False: the defaults

    def __init__(self, space: SearchSpace, seed: int, restart_after: int) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)
        self.restart_after = restart_after
        self.best: tuple[float, dict[str, Any]] | None = None
        self.seen: set[str] = set()
        self.stale = 0

    @classmethod
    def build(cls, options: HillClimbOptions, *, space: SearchSpace, seed: int, **_: Any) -> HillClimb:
        return cls(space, seed, options.restart_after)

    def ask(self) -> Proposal:
        if self.best is None:
            return Proposal(self.space.default() if not self.seen else self.space.sample(self.rng), "hill-climb")
        if self.stale >= self.restart_after:
            self.stale = 0
            return Proposal(self.space.sample(self.rng), "hill-climb-restart")
        return Proposal(perturb(self.space, self.best[1], self.rng, avoid=self.seen), "hill-climb")

    def tell(self, config: dict[str, Any], evaluation: Any) -> None:
        self.seen.add(self.space.key(config))  # the key perturb() avoids
        if evaluation.status == "crashed":
            self.stale += 1
            return
        if self.best is None or evaluation.loss < self.best[0]:
            self.best, self.stale = (float(evaluation.loss), dict(config)), 0
        else:
            self.stale += 1
