"""Nudge a config to a nearby, not yet evaluated one (duplicate handling on deterministic tasks).

Steps are taken in each parameter's natural scale (log where log), about 5% of the range, so a
perturbed learning rate stays in the same decade; categorical values change with probability 1/d
(at least one parameter always changes). Seeded by the caller's generator: replays reproduce it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from harness.space import Categorical, Float, Int, SearchSpace

STEP = 0.05
TRIES = 20


def _nudge(p: Any, v: Any, rng: np.random.Generator) -> Any:
    if isinstance(p, Categorical):
        others = [c for c in p.choices if c != v]
        return others[int(rng.integers(len(others)))] if others else v
    lo, hi = (math.log(p.lo), math.log(p.hi)) if p.log else (float(p.lo), float(p.hi))
    x = math.log(v) if p.log else float(v)
    y = min(max(x + rng.normal(0.0, STEP * (hi - lo)), lo), hi)
    y = math.exp(y) if p.log else y
    if isinstance(p, Int):
        r = int(round(y))
        if r == v:  # an integer step smaller than 1: move by one in a random direction
            r = v + (1 if rng.random() < 0.5 else -1)
        return int(min(max(r, p.lo), p.hi))
    assert isinstance(p, Float)
    return float(min(max(y, p.lo), p.hi))


def perturb(space: SearchSpace, config: dict[str, Any], rng: np.random.Generator, *, avoid: set[str]) -> dict[str, Any]:
    """A config near `config` whose canonical key is not in `avoid`; a random one if none is found."""
    d = len(space.params)
    for _ in range(TRIES):
        forced = int(rng.integers(d))
        new = {
            p.name: _nudge(p, config[p.name], rng) if (i == forced or rng.random() < 1 / d or isinstance(p, Float)) else config[p.name]
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
