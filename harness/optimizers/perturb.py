"""Nudge a config to a nearby, not yet evaluated one (duplicate handling on deterministic tasks).

Steps are taken in each parameter's natural scale (log where log), about 5% of the range, so a
perturbed learning rate stays in the same decade; categorical values change with probability 1/d
(at least one parameter always changes). Seeded by the caller's generator: replays reproduce it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmhpo.harness.space import SearchSpace

STEP = 0.05
TRIES = 20


def perturb(space: SearchSpace, config: dict[str, Any], rng: np.random.Generator, *, avoid: set[str]) -> dict[str, Any]:
    """A config near `config` whose canonical key is not in `avoid`; a random one if none is found."""
    d = len(space.params)
    for _ in range(TRIES):
        forced = int(rng.integers(d))
        # continuous parameters (no finite cardinality) always move; the others with probability 1/d
        new = {
            p.name: p.nudge(config[p.name], rng, STEP)
            if (i == forced or rng.random() < 1 / d or p.cardinality() is None) else config[p.name]
            for i, p in enumerate(space.params)
        }
        new, _ = space.repair(new)
        if space.key(new) not in avoid:
            return new
    for _ in range(TRIES):
        new = space.sample(rng)
        if space.key(new) not in avoid:
            return new
    return space.sample(rng)
