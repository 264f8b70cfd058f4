"""The shared seeded initial design: the same seed gives every optimizer the same first configs.

A Latin hypercube (scipy.stats.qmc) spreads the n points over each dimension's range, in the unit
cube, mapped per parameter: log ranges are covered in log space, integers and grids by equal-width
bins. The generator is seeded from (seed, a fixed stream id), independent of any other stream an
optimizer draws from, so adding an optimizer never shifts another one's design.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmhpo.harness.space import SearchSpace

DESIGN_STREAM = 1_000_003  # salt: keeps this stream apart from an optimizer's own rng


def n_initial_for(budget: int, fraction: float = 0.25) -> int:
    """SMAC's default: a quarter of the budget, at least one point."""
    return max(1, int(round(fraction * budget)))


def initial_design(space: SearchSpace, seed: int, n: int) -> list[dict[str, Any]]:
    """`n` space-filling configs, identical for identical (space, seed, n)."""
    if n <= 0:
        return []
    from scipy.stats import qmc

    rng = np.random.default_rng([int(seed) % 2**32, DESIGN_STREAM])
    unit = qmc.LatinHypercube(d=len(space.params), rng=rng).random(n)
    return [{p.name: p.from_unit(float(u)) for p, u in zip(space.params, row, strict=True)} for row in unit]
