"""Nudge a config to a nearby, not yet evaluated one (duplicate handling on deterministic tasks).

Steps are taken in each parameter's natural scale (log where log), about 5% of the range, so a
perturbed learning rate stays in the same decade; categorical values change with probability 1/d
(at least one parameter always changes). Seeded by the caller's generator: replays reproduce it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from llmhpo.harness.space import SearchSpace

STEP = 0.05
TRIES = 20


def perturb(space: SearchSpace, config: dict[str, Any], rng: np.random.Generator, *, avoid: set[str],
            canonical: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> dict[str, Any]:
    """A config near `config` whose canonical key is not in `avoid`; a random one if none is found.
    `canonical` (proposals revision 2: `space.shown`) maps each candidate to the form evaluated and
    compared, before the check; it draws nothing, so the random stream is the same with or without."""
    same = canonical or (lambda c: c)
    d = len(space.params)
    for _ in range(TRIES):
        forced = int(rng.integers(d))
        # continuous parameters (no finite cardinality) always move; the others with probability 1/d
        new = {
            p.name: p.nudge(config[p.name], rng, STEP)
            if (i == forced or rng.random() < 1 / d or p.cardinality() is None) else config[p.name]
            for i, p in enumerate(space.params)
        }
        new = same(space.repair(new)[0])
        if space.key(new) not in avoid:
            return new
    for _ in range(TRIES):
        new = same(space.sample(rng))
        if space.key(new) not in avoid:
            return new
    return same(space.sample(rng))
