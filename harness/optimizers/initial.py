"""The shared seeded initial design: the same seed gives every optimizer the same first configs.

A Latin hypercube (scipy.stats.qmc) spreads the n points over each dimension's range, in the unit
cube, mapped per parameter: log ranges are covered in log space, integers and grids by equal-width
bins. The generator is seeded from (seed, a fixed stream id), independent of any other stream an
optimizer draws from, so adding an optimizer never shifts another one's design.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from harness.space import Categorical, Float, Int, SearchSpace

DESIGN_STREAM = 1_000_003  # salt: keeps this stream apart from an optimizer's own rng


def n_initial_for(budget: int, fraction: float = 0.25) -> int:
    """SMAC's default: a quarter of the budget, at least one point."""
    return max(1, int(round(fraction * budget)))


def _from_unit(p: Any, u: float) -> Any:
    if isinstance(p, Categorical):
        return p.choices[min(int(u * len(p.choices)), len(p.choices) - 1)]
    if isinstance(p, Int):
        if p.log:
            lo, hi = math.log(p.lo), math.log(p.hi + 1)
            return int(min(max(math.floor(math.exp(lo + u * (hi - lo))), p.lo), p.hi))
        return int(min(p.lo + math.floor(u * (p.hi - p.lo + 1)), p.hi))
    assert isinstance(p, Float)
    if p.log:
        x = math.exp(math.log(p.lo) + u * (math.log(p.hi) - math.log(p.lo)))
    else:
        x = p.lo + u * (p.hi - p.lo)
    return min(max(float(x), p.lo), p.hi)


def initial_design(space: SearchSpace, seed: int, n: int) -> list[dict[str, Any]]:
    """`n` space-filling configs, identical for identical (space, seed, n)."""
    if n <= 0:
        return []
    from scipy.stats import qmc

    rng = np.random.default_rng([int(seed) % 2**32, DESIGN_STREAM])
    unit = qmc.LatinHypercube(d=len(space.params), rng=rng).random(n)
    return [{p.name: _from_unit(p, float(u)) for p, u in zip(space.params, row, strict=True)} for row in unit]
