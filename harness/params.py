"""Typed hyperparameters (Float, Int, Categorical, Ordinal): sampling, repair and descriptions of one value.

Split from space.py so each module holds one concept: a parameter knows its own range and how to
sample, check, repair and describe a single value; SearchSpace (space.py) combines them. Numbers are
compared after rounding to 12 significant digits, so a value one ulp outside a bound still counts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.errors import UserError

Scalar = str | int | float | bool | None


def canonical_number(x: float) -> float:
    """Stable float: 12 significant digits, -0.0 -> 0.0 (used for keys and comparisons)."""
    y = float(f"{float(x):.12g}")
    return 0.0 if y == 0.0 else y


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)


def _fmt(v: Any) -> str:
    """Readable value for repair reasons and prompts (floats as Python repr: 1e-05, 1024.0)."""
    return repr(float(v)) if isinstance(v, float | np.floating) else repr(v) if isinstance(v, str) else str(v)


def _same_choice(choice: Scalar, v: Any) -> bool:
    """Type-aware equality: True is not 1, 1 equals 1.0, numbers compare canonically."""
    if isinstance(choice, bool) or isinstance(v, bool | np.bool_):
        return isinstance(choice, bool) and isinstance(v, bool | np.bool_) and bool(v) == choice
    if _is_number(choice) and _is_number(v):
        return math.isfinite(float(v)) and canonical_number(choice) == canonical_number(v)
    return type(choice) is type(v) and choice == v


def _native(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _parse_number(name: str, v: Any, repairs: list[str]) -> float | None:
    """A finite float from a number or a numeric string; None (caller uses the default) otherwise."""
    if isinstance(v, str):
        try:
            x = float(v.strip())
        except ValueError:
            return None
        repairs.append(f"{name}: string {v!r} parsed as {_fmt(x)}")
        v = x
    if not _is_number(v) or not math.isfinite(float(v)):
        return None
    return float(v)


@dataclass(frozen=True)
class _Range:
    """What Float and Int share: bounds, prompt text and converters."""

    name: str
    lo: float
    hi: float
    log: bool = False
    default: Any = None
    meaning: str = ""
    kind = "range"
    _json_type = "number"
    _cs_type = "UniformFloat"

    def type_name(self) -> str:
        return self._cs_type

    def range_text(self) -> str:
        return f"Range: [{_fmt(self.lo)}, {_fmt(self.hi)}]"

    def json_bounds(self) -> list[Any]:
        return [self.lo, self.hi]

    def json_schema(self) -> dict[str, Any]:
        return {"type": self._json_type, "minimum": self.lo, "maximum": self.hi}

    def to_skopt(self) -> Any:
        from skopt.space import Integer, Real

        dim = Integer if isinstance(self, Int) else Real
        return dim(self.lo, self.hi, prior="log-uniform" if self.log else "uniform", name=self.name)

    def to_optuna(self) -> Any:
        from optuna.distributions import FloatDistribution, IntDistribution

        dist = IntDistribution if isinstance(self, Int) else FloatDistribution
        return dist(self.lo, self.hi, log=self.log)


@dataclass(frozen=True)
class Float(_Range):
    kind = "float"

    def __post_init__(self) -> None:
        _check_bounds(self, float(self.lo), float(self.hi))
        object.__setattr__(self, "lo", float(self.lo))
        object.__setattr__(self, "hi", float(self.hi))
        d = _mid(self.lo, self.hi, self.log) if self.default is None else self.default
        if not _is_number(d) or not self.lo <= canonical_number(d) <= self.hi:
            raise UserError(f"parameter {self.name!r}: default {d!r} outside [{self.lo}, {self.hi}]")
        object.__setattr__(self, "default", canonical_number(d))

    def sample(self, rng: np.random.Generator) -> float:
        if self.log:
            x = math.exp(rng.uniform(math.log(self.lo), math.log(self.hi)))
        else:
            x = rng.uniform(self.lo, self.hi)
        return min(max(float(x), self.lo), self.hi)

    def check(self, v: Any) -> str | None:
        if not _is_number(v) or not math.isfinite(float(v)):
            return f"expected a finite number, got {v!r}"
        if not self.lo <= canonical_number(v) <= self.hi:
            return f"{_fmt(v)} outside [{_fmt(self.lo)}, {_fmt(self.hi)}]"
        return None

    def repair(self, v: Any, repairs: list[str]) -> float:
        x = _parse_number(self.name, v, repairs)
        if x is None:
            repairs.append(f"{self.name}: {v!r} is not a finite number, set to default {_fmt(self.default)}")
            return float(self.default)
        clipped = min(max(canonical_number(x), self.lo), self.hi)
        if clipped != canonical_number(x):
            repairs.append(f"{self.name}: {_fmt(x)} clipped to {_fmt(clipped)}")
            return clipped
        return x

    def canonical(self, v: Any) -> float:
        return canonical_number(v)


@dataclass(frozen=True)
class Int(_Range):
    kind = "int"
    _json_type = "integer"
    _cs_type = "UniformInteger"

    def __post_init__(self) -> None:
        for bound in (self.lo, self.hi):
            if not _is_number(bound) or float(bound) != int(bound):
                raise UserError(f"parameter {self.name!r}: integer bounds required, got {bound!r}")
        object.__setattr__(self, "lo", int(self.lo))
        object.__setattr__(self, "hi", int(self.hi))
        _check_bounds(self, self.lo, self.hi)
        d = int(math.floor(_mid(self.lo, self.hi, self.log) + 0.5)) if self.default is None else self.default
        if self.check(d) is not None:
            raise UserError(f"parameter {self.name!r}: default {d!r} is not an integer in [{self.lo}, {self.hi}]")
        object.__setattr__(self, "default", int(d))

    def sample(self, rng: np.random.Generator) -> int:
        if self.log:
            x = math.floor(math.exp(rng.uniform(math.log(self.lo), math.log(self.hi + 1))))
            return int(min(max(x, self.lo), self.hi))
        return int(rng.integers(self.lo, self.hi + 1))

    def check(self, v: Any) -> str | None:
        if not _is_number(v) or not math.isfinite(float(v)) or float(v) != math.floor(float(v)):
            return f"expected an integer, got {v!r}"
        if not self.lo <= int(v) <= self.hi:
            return f"{int(v)} outside [{self.lo}, {self.hi}]"
        return None

    def repair(self, v: Any, repairs: list[str]) -> int:
        x = _parse_number(self.name, v, repairs)
        if x is None:
            repairs.append(f"{self.name}: {v!r} is not a finite number, set to default {self.default}")
            return int(self.default)
        clipped = min(max(x, float(self.lo)), float(self.hi))
        if clipped != x:
            repairs.append(f"{self.name}: {_fmt(v) if _is_number(v) else _fmt(x)} clipped to {int(clipped)}")
            return int(clipped)
        r = int(math.floor(x + 0.5))
        if r != x:
            repairs.append(f"{self.name}: {_fmt(x)} rounded to {r}")
        return r

    def canonical(self, v: Any) -> int:
        return int(v)


@dataclass(frozen=True)
class Categorical:
    name: str
    choices: tuple[Scalar, ...]
    default: Scalar = None
    meaning: str = ""
    kind = "categorical"
    log = False

    def __post_init__(self) -> None:
        choices = tuple(_native(c) for c in self.choices)
        if not choices:
            raise UserError(f"parameter {self.name!r}: no choices")
        for c in choices:
            if not (c is None or isinstance(c, str | bool) or _is_number(c)):
                raise UserError(f"parameter {self.name!r}: choice {c!r} is not a JSON scalar")
        if len({json.dumps(c) for c in choices}) != len(choices):
            raise UserError(f"parameter {self.name!r}: duplicate choices {list(choices)}")
        object.__setattr__(self, "choices", choices)
        d = choices[0] if self.default is None else self.default
        if self._find(d) is None:
            raise UserError(f"parameter {self.name!r}: default {d!r} is not one of {list(choices)}")
        object.__setattr__(self, "default", self._find(d))

    def _find(self, v: Any) -> Scalar:
        return next((c for c in self.choices if _same_choice(c, v)), None)

    def _has(self, v: Any) -> bool:
        return any(_same_choice(c, v) for c in self.choices)

    def sample(self, rng: np.random.Generator) -> Scalar:
        return self.choices[int(rng.integers(len(self.choices)))]

    def check(self, v: Any) -> str | None:
        return None if self._has(v) else f"{v!r} is not one of {list(self.choices)}"

    def repair(self, v: Any, repairs: list[str]) -> Scalar:
        if self._has(v):
            return self._find(v)
        text = str(v).strip().lower() if isinstance(v, str | int | float | bool) else None
        for c in self.choices:
            if text is not None and str(c).lower() == text:
                repairs.append(f"{self.name}: {v!r} matched choice {c!r}")
                return c
        if isinstance(v, str) and all(_is_number(c) for c in self.choices):
            x = _parse_number(self.name, v, [])
            if x is not None and self._has(x):
                repairs.append(f"{self.name}: string {v!r} parsed as {self._find(x)!r}")
                return self._find(x)
        repairs.append(f"{self.name}: {v!r} is not one of {list(self.choices)}, set to default {self.default!r}")
        return self.default

    def canonical(self, v: Any) -> Scalar:
        c = self._find(v)
        return canonical_number(c) if isinstance(c, float) else c

    def type_name(self) -> str:
        return "Categorical"

    def range_text(self) -> str:
        return "Choices: {" + ", ".join(_fmt(c) for c in self.choices) + "}"

    def json_bounds(self) -> list[Any]:
        return list(self.choices)

    def json_schema(self) -> dict[str, Any]:
        return {"enum": list(self.choices)}

    def to_skopt(self) -> Any:
        from skopt.space import Categorical as SkCategorical

        return SkCategorical(list(self.choices), name=self.name)

    def to_optuna(self) -> Any:
        from optuna.distributions import CategoricalDistribution

        return CategoricalDistribution(list(self.choices))


@dataclass(frozen=True)
class Ordinal(Categorical):
    """An ordered grid (e.g. tabular benchmarks). Numeric grids repair by snapping to the nearest
    value, measured in log space when `log` is set."""

    name: str
    values: tuple[Scalar, ...] = ()
    default: Scalar = None
    log: bool = False
    meaning: str = ""
    choices: tuple[Scalar, ...] = field(default=(), init=False, repr=False)
    kind = "ordinal"

    def __init__(
        self, name: str, values: Sequence[Scalar], default: Scalar = None, log: bool = False, meaning: str = ""
    ) -> None:
        for attr, v in (("name", name), ("values", tuple(_native(x) for x in values)), ("log", log),
                        ("meaning", meaning), ("default", default)):
            object.__setattr__(self, attr, v)
        object.__setattr__(self, "choices", self.values)
        if log and not all(_is_number(x) and x > 0 for x in self.values):
            raise UserError(f"parameter {name!r}: a log ordinal needs positive numeric values")
        super().__post_init__()

    @property
    def numeric(self) -> bool:
        return all(_is_number(x) for x in self.values)

    def repair(self, v: Any, repairs: list[str]) -> Scalar:
        if self._has(v) or not self.numeric:
            return super().repair(v, repairs)
        x = _parse_number(self.name, v, repairs)
        if x is None:
            repairs.append(f"{self.name}: {v!r} is not a finite number, set to default {_fmt(self.default)}")
            return self.default
        if self._has(x):
            return self._find(x)

        def dist(g: Any) -> float:
            if self.log:
                return abs(math.log(float(g)) - math.log(max(x, 1e-300)))
            return abs(float(g) - x)

        snapped = min(self.values, key=dist)
        repairs.append(f"{self.name}: {_fmt(x)} snapped to {_fmt(snapped)} (nearest grid value)")
        return snapped

    def index(self, v: Any) -> int:
        """Position of a grid value (model-based optimizers search the index, which keeps the order)."""
        found = next((i for i, c in enumerate(self.values) if _same_choice(c, v)), None)
        if found is None:
            raise UserError(f"parameter {self.name!r}: {v!r} is not one of {list(self.values)}")
        return found

    def at(self, i: Any) -> Scalar:
        """The grid value at a (possibly float) index, rounded and clipped to the grid."""
        return self.values[min(max(int(round(float(i))), 0), len(self.values) - 1)]

    def to_skopt(self) -> Any:
        """An integer index dimension: ordered, and on a log-spaced grid equal index steps are equal
        log steps, so the GP sees the grid's own spacing (one dimension, not one-hot columns)."""
        from skopt.space import Integer

        return Integer(0, len(self.values) - 1, name=self.name)

    def to_optuna(self) -> Any:
        from optuna.distributions import IntDistribution

        return IntDistribution(0, len(self.values) - 1)

    def type_name(self) -> str:
        return "Ordinal"

    def range_text(self) -> str:
        return "Values: [" + ", ".join(_fmt(c) for c in self.values) + "]"


Param = Float | Int | Categorical | Ordinal


def _mid(lo: float, hi: float, log: bool) -> float:
    return math.sqrt(lo * hi) if log else (lo + hi) / 2


def _check_bounds(p: _Range, lo: float, hi: float) -> None:
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise UserError(f"parameter {p.name!r}: need finite bounds lo < hi, got [{lo}, {hi}]")
    if p.log and lo <= 0:
        raise UserError(f"parameter {p.name!r}: a log-scale range needs lo > 0, got {lo}")
