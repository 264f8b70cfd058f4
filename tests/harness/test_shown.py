"""SearchSpace.shown: a config as prompts show it, the form proposals revision 2 evaluates. One rule
(each parameter's prompt_value) and always inside the space: integers, grids and choices unchanged,
floats at 6 significant digits, stepped inside a bound when rounding would cross it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from llmhpo.harness.optimizers.prompts import compact
from llmhpo.harness.space import Categorical, Float, Int, Ordinal, SearchSpace

SPACE = SearchSpace([
    Float("C", 0.1234567, 3.9876543, log=True),
    Float("z", -1.0, 1.0),
    Int("n", 1, 1000, log=True),
    Ordinal("lr", [0.1234567, 0.33333333333, 1.0], log=True),
    Categorical("k", ["rbf", "linear"]),
])


@pytest.mark.parametrize(("value", "shown"), [
    (3.65302759781, 3.65303),
    (0.1234567, 0.123457),  # the lower bound rounds up: inside
    (3.9876543, 3.98765),  # the upper bound would round up to 3.98765 < hi: inside as is
    (3.98765429, 3.98765),
])
def test_floats_are_rounded_as_the_prompt_shows_them_and_stay_inside(value: float, shown: float) -> None:
    assert SPACE["C"].shown(value) == shown


def test_a_rounding_that_would_cross_a_bound_steps_inside() -> None:
    p = Float("x", 0.0, 1.23456789)
    assert p.prompt_value(1.23456789) == 1.23457 and p.check(1.23457) is not None  # outside when rounded
    assert p.shown(1.23456789) == 1.23456 and p.check(1.23456) is None
    low = Float("y", 1.23456111, 5.0, log=True)
    assert low.shown(1.23456111) == 1.23457 and low.check(1.23457) is None


def test_a_range_too_narrow_for_the_prompts_precision_keeps_the_value() -> None:
    p = Float("x", 1.0000001, 1.0000002)
    assert p.shown(1.00000015) == 1.00000015


def test_integers_grids_and_choices_are_shown_exactly() -> None:
    config = {"C": 1.0, "z": 0.5, "n": 737, "lr": 0.33333333333, "k": "rbf"}
    assert SPACE.shown(config) == config


def test_shown_is_what_compact_prints_and_is_stable() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        config = SPACE.shown(SPACE.sample(rng))
        assert SPACE.contains(config)
        assert SPACE.shown(config) == config
        assert json.loads(compact(config, SPACE)) == config  # the prompt shows exactly what is evaluated
