"""Per-type behaviour of Float, Int (linear and log), Categorical (incl. booleans and one fixed
choice) and Ordinal: each method the optimizers, prompts and plots call instead of isinstance chains."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from llmhpo.harness.errors import UserError
from llmhpo.harness.params import KINDS, Categorical, Float, Int, Ordinal, Parameter
from llmhpo.harness.params.base import METHODS
from llmhpo.harness.space import SearchSpace
from llmhpo.harness.values import format_value, native, same_choice, short_number

LIN_FLOAT = Float("x", 0.0, 10.0, default=8.0, meaning="a real input")
LOG_FLOAT = Float("lr", 1e-5, 1e-1, log=True, meaning="step size.")
LIN_INT = Int("depth", -3, 3)
LOG_INT = Int("width", 1, 512, log=True)
CAT = Categorical("kernel", ("linear", "rbf", "poly"))
BOOL_INT = Categorical("flag", (1, True, 0.30000000000000004))
FIXED = Categorical("solver", ("adam",))
ORD = Ordinal("batch", (16, 32, 64, 128, 256), log=True)
WORDS = Ordinal("stage", ("low", "mid", "high"), default="mid")
ALL = (LIN_FLOAT, LOG_FLOAT, LIN_INT, LOG_INT, CAT, BOOL_INT, FIXED, ORD, WORDS)


@pytest.mark.parametrize("cls", sorted(set(KINDS.values()), key=lambda c: c.kind))
def test_every_kind_implements_the_whole_contract(cls: type) -> None:
    assert issubclass(cls, Parameter) and KINDS[cls.kind] is cls
    missing = [m for m in METHODS if getattr(cls, m, None) is getattr(Parameter, m, None)]
    assert not missing, f"{cls.__name__} lacks {missing}"
    assert isinstance(cls.ranged, bool) and (callable(getattr(cls, "narrowed", None)) or not cls.ranged)


@pytest.mark.parametrize(("p", "size"), [(LIN_FLOAT, None), (LOG_FLOAT, None), (LIN_INT, 7), (LOG_INT, 512),
                                          (CAT, 3), (FIXED, 1), (ORD, 5), (WORDS, 3)])
def test_cardinality(p, size) -> None:
    assert p.cardinality() == size
    assert SearchSpace([p, FIXED if p is not FIXED else CAT]).cardinality() == (None if size is None else size * (1 if p is not FIXED else 3))
    assert SearchSpace([p, WORDS if p is CAT else CAT]).cardinality() == (None if size is None else 3 * size)


def test_from_unit_covers_ranges_in_their_own_scale() -> None:
    assert (LIN_FLOAT.from_unit(0.0), LIN_FLOAT.from_unit(0.25), LIN_FLOAT.from_unit(1.0)) == (0.0, 2.5, 10.0)
    assert LOG_FLOAT.from_unit(0.5) == pytest.approx(1e-3)  # geometric middle, not 0.05
    assert (LOG_FLOAT.from_unit(0.0), LOG_FLOAT.from_unit(1.0)) == (1e-5, 1e-1)
    # equal-width bins: each integer gets 1/7 of the unit interval, the top one included
    assert [LIN_INT.from_unit((k + 0.5) / 7) for k in range(7)] == list(range(-3, 4))
    assert (LIN_INT.from_unit(0.0), LIN_INT.from_unit(1.0)) == (-3, 3)
    # log-int bins are equal in log(x) over [1, 513): the middle is floor(sqrt(513)) = 22
    assert (LOG_INT.from_unit(0.0), LOG_INT.from_unit(0.5), LOG_INT.from_unit(1.0)) == (1, 22, 512)
    assert isinstance(LOG_INT.from_unit(0.3), int)
    assert [CAT.from_unit(u) for u in (0.0, 0.34, 0.99, 1.0)] == ["linear", "rbf", "poly", "poly"]
    assert [ORD.from_unit(u) for u in (0.0, 0.5, 1.0)] == [16, 64, 256]
    assert FIXED.from_unit(0.7) == "adam"


def test_position_is_the_inverse_scale_of_from_unit() -> None:
    assert LIN_FLOAT.position(2.5) == 0.25
    assert LOG_FLOAT.position(1e-3) == pytest.approx(0.5)
    assert (LIN_INT.position(-3), LIN_INT.position(0), LIN_INT.position(3)) == (0.0, 0.5, 1.0)
    assert LOG_INT.position(math.sqrt(512)) == pytest.approx(0.5)
    assert [CAT.position(c) for c in CAT.choices] == [0.0, 0.5, 1.0]
    assert [WORDS.position(v) for v in ("low", "high")] == [0.0, 1.0]
    assert FIXED.position("adam") == 0.0
    # type-aware: True is not the choice 1, and a float choice is found by its canonical value
    assert (BOOL_INT.position(True), BOOL_INT.position(1), BOOL_INT.position(0.3)) == (0.5, 0.0, 1.0)
    with pytest.raises(UserError, match="not one of"):
        CAT.position("sigmoid")


def test_float_nudges_stay_near_in_log_space() -> None:
    moves = [LOG_FLOAT.nudge(1e-3, np.random.default_rng(s), 0.05) for s in range(200)]
    assert all(1e-5 <= y <= 1e-1 and isinstance(y, float) for y in moves)
    # 5 % of four decades is 0.2 decades; a linear step (5 % of 0.1) would mostly leave the decade
    assert statistics.median(abs(math.log10(y / 1e-3)) for y in moves) < 0.3
    lin = [LIN_FLOAT.nudge(5.0, np.random.default_rng(s), 0.05) for s in range(200)]
    assert 0.3 < statistics.pstdev(lin) < 0.7  # sd = 5 % of the range of 10
    assert LIN_FLOAT.nudge(10.0, np.random.default_rng(0), 5.0) <= 10.0


def test_int_nudge_always_moves_by_at_least_one() -> None:
    moves = {LIN_INT.nudge(0, np.random.default_rng(s), 1e-6) for s in range(40)}
    assert moves == {-1, 1}
    at_floor = {LOG_INT.nudge(1, np.random.default_rng(s), 1e-6) for s in range(40)}
    assert at_floor == {1, 2}  # one step down is clipped back to the bound
    big = [LOG_INT.nudge(64, np.random.default_rng(s), 0.05) for s in range(100)]
    assert all(isinstance(y, int) and 1 <= y <= 512 for y in big)
    assert statistics.median(abs(math.log2(y / 64)) for y in big) < 0.6  # log steps: same octave


@pytest.mark.parametrize("p", [CAT, ORD, WORDS, BOOL_INT])
def test_list_nudge_picks_another_value(p) -> None:
    for v in p.choices:
        moved = {p.nudge(v, np.random.default_rng(s), 0.05) for s in range(30)}
        assert v not in moved and moved <= set(p.choices)
    assert FIXED.nudge("adam", np.random.default_rng(0), 0.05) == "adam"


def test_narrowed_ranges() -> None:
    n = LIN_FLOAT.narrowed(-5, "4.5")
    assert (n.lo, n.hi, n.default, n.meaning, type(n)) == (0.0, 4.5, 4.5, "a real input", Float)
    assert LOG_FLOAT.narrowed(1e-4, 1e-2).log
    assert LIN_FLOAT.narrowed("a", 3) is None and LIN_FLOAT.narrowed(6, 2) is None
    assert LIN_FLOAT.narrowed(math.nan, 3) is None
    i = LOG_INT.narrowed(2.2, 7.9)
    assert (i.lo, i.hi, i.log, type(i)) == (3, 7, True, Int)
    assert LIN_INT.narrowed(0.2, 0.8) is None  # no integer in between
    assert LIN_INT.narrowed(-100, 100) == LIN_INT
    assert not CAT.ranged and not ORD.ranged and LIN_INT.ranged and LOG_FLOAT.ranged


def test_encode_decode_and_as_valid() -> None:
    assert ORD.encode(64) == 2 and ORD.encode(64.0) == 2 and ORD.decode(2.4) == 64 and ORD.decode(9) == 256
    assert WORDS.encode("high") == 2 and WORDS.decode(0) == "low"
    assert CAT.encode("rbf") == "rbf" and LOG_INT.encode(7) == 7
    assert LOG_INT.decode(6.6) == 7 and type(LOG_FLOAT.decode(np.float64(0.5).item())) is float
    assert BOOL_INT.decode(0.30000000000000004) == 0.3 and BOOL_INT.decode(True) is True
    # a valid float keeps full precision in a repaired config; the key form rounds it
    assert LIN_FLOAT.as_valid(0.1 + 0.2) == 0.30000000000000004 and LIN_FLOAT.canonical(0.1 + 0.2) == 0.3
    assert LIN_INT.as_valid(2.0) == 2 and type(LIN_INT.as_valid(np.int64(2))) is int
    space = SearchSpace([LIN_FLOAT, ORD])
    assert space.decode({"x": np.float64(1.5), "batch": np.int64(3)}) == {"x": 1.5, "batch": 128}


def test_prompt_values() -> None:
    assert LIN_FLOAT.prompt_value(1 / 3) == 0.333333 and LIN_INT.prompt_value(3) == 3
    grid = Ordinal("gamma", (1 / 3, 2 / 3))
    assert grid.prompt_value(1 / 3) == 1 / 3  # a model echoing a grid value must hit the grid


def test_zhang_lines() -> None:
    assert LOG_FLOAT.zhang_line() == "lr, step size. Type: UniformFloat, Range: [1e-05, 0.1], Default: 0.001, on log-scale"
    assert LOG_INT.zhang_line() == "width, Type: UniformInteger, Range: [1, 512], Default: 23, on log-scale"
    assert WORDS.zhang_line() == "stage, Type: Ordinal, Values: ['low', 'mid', 'high'], Default: 'mid'"
    assert ORD.zhang_line().endswith("Values: [16, 32, 64, 128, 256], Default: 16, on log-scale")
    assert BOOL_INT.zhang_line() == "flag, Type: Categorical, Choices: {1, True, 0.30000000000000004}, Default: 1"


@pytest.mark.parametrize("p", ALL, ids=lambda p: p.name)
def test_dict_round_trip_per_kind(p) -> None:
    d = p.to_dict()
    assert list(d)[:4] == ["type", "name", "default", "meaning"] and KINDS[d["type"]].from_dict(d) == p


@pytest.mark.parametrize("p", [LIN_FLOAT, LOG_FLOAT, LIN_INT, LOG_INT, CAT, FIXED, ORD, WORDS], ids=lambda p: p.name)
def test_converters_per_kind(p) -> None:
    from ConfigSpace import Constant
    from optuna.distributions import CategoricalDistribution

    space = SearchSpace([p], fixed={"n_jobs": 1})
    cs = space.to_configspace(seed=0)
    assert isinstance(cs["n_jobs"], Constant)
    back = SearchSpace.from_configspace(cs)
    assert back.params == (p,) and back.fixed == {"n_jobs": 1}
    dist, v = p.to_optuna(), p.encode(p.default)
    assert v in dist.choices if isinstance(dist, CategoricalDistribution) else dist.low <= v <= dist.high
    dim = p.to_skopt()
    assert p.encode(p.default) in dim
    if p.ranged:
        assert dim.prior == ("log-uniform" if p.log else "uniform") and (dist.log, dim.bounds) == (p.log, (p.lo, p.hi))


def test_ordinal_optuna_forms() -> None:
    assert (ORD.to_optuna().low, ORD.to_optuna().high) == (0, 4)
    assert ORD.to_optuna(grid_index=False).choices == (16, 32, 64, 128, 256)
    assert LOG_INT.to_optuna(grid_index=False) == LOG_INT.to_optuna()


def test_plot_axes() -> None:
    from matplotlib.figure import Figure

    axes = Figure().subplots(1, 4)
    assert LOG_FLOAT.plot_axis(axes[0], [1e-3, 0.05]) == [1e-3, 0.05]
    assert axes[0].get_xscale() == "log" and axes[0].get_xlim()[0] < 1e-5 < 1e-1 < axes[0].get_xlim()[1]
    assert LIN_INT.plot_axis(axes[1], [2]) == [2.0] and axes[1].get_xscale() == "linear"
    assert axes[1].get_xlim() == pytest.approx((-3.18, 3.18))
    assert BOOL_INT.plot_axis(axes[2], [True, 1, 0.3]) == [1, 0, 2]
    assert [t.get_text() for t in axes[2].get_xticklabels()] == ["1", "True", "0.3"]
    assert WORDS.plot_axis(axes[3], ["high"]) == [2] and axes[3].get_xlim() == (-0.5, 2.5)


def test_value_rules() -> None:
    assert not same_choice(True, 1) and same_choice(1, 1.0) and same_choice(0.3, 0.1 + 0.2)
    assert not same_choice("1", 1) and not same_choice(1.0, math.nan)
    assert type(native(np.int64(3))) is int and native("a") == "a"
    assert short_number(1 / 3) == 0.333333 and short_number(3) == 3 and short_number("x") == "x"
    assert (format_value(1e-5), format_value(np.float32(0.5)), format_value("a"), format_value(3)) == ("1e-05", "0.5", "'a'", "3")
