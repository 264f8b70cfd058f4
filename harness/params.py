"""Typed hyperparameters (Float, Int, Categorical, Ordinal): everything that depends on the type.

A parameter knows its own range and how to sample, check, repair and describe one value, where a
value sits in its range (initial designs, plots, nudges), how it narrows, and how it looks to skopt,
optuna, ConfigSpace and JSON. SearchSpace (space.py) loops over parameters and no other module asks
which type a parameter is. The value rules they share (canonical numbers, equality, text) live in
values.py.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np

from harness.errors import UserError
from harness.values import (
    Scalar,
    canonical_number,
    format_value,
    is_number,
    native,
    parse_number,
    same_choice,
    short_number,
)

__all__ = ["Categorical", "Float", "Int", "KINDS", "Ordinal", "Param", "Scalar", "canonical_number"]


class _Described:
    """What every type shares: the Zhang et al. prompt line and the manifest form."""

    name: str
    default: Any
    meaning: str
    log: bool
    kind: str

    def zhang_line(self) -> str:
        """One prompt line (Zhang et al. B.1): name, meaning, type, range, default, log scale."""
        head = f"{self.name}, {self.meaning.rstrip('. ')}." if self.meaning else f"{self.name},"
        line = f"{head} Type: {self.type_name()}, {self.range_text()}, Default: {format_value(self.default)}"
        return line + (", on log-scale" if self.log else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for manifests (`from_dict` of the class in KINDS[d["type"]] inverts it)."""
        return {"type": self.kind, "name": self.name, "default": self.default, "meaning": self.meaning, **self._fields()}

    def type_name(self) -> str:
        raise NotImplementedError

    def range_text(self) -> str:
        raise NotImplementedError

    def _fields(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class _Range(_Described):
    """What Float and Int share: bounds, prompt text, positions in the range, narrowing, converters."""

    name: str
    lo: float
    hi: float
    log: bool = False
    default: Any = None
    meaning: str = ""
    kind = "range"
    ranged = True  # numeric [lo, hi] bounds (False for a list of values)
    _json_type = "number"
    _cs_type = "UniformFloat"

    def type_name(self) -> str:
        return self._cs_type

    def range_text(self) -> str:
        return f"Range: [{format_value(self.lo)}, {format_value(self.hi)}]"

    def json_bounds(self) -> list[Any]:
        return [self.lo, self.hi]

    def json_schema(self) -> dict[str, Any]:
        return {"type": self._json_type, "minimum": self.lo, "maximum": self.hi}

    def prompt_value(self, v: Any) -> Any:
        """How a prompt shows a value: floats at 6 significant digits."""
        return short_number(v)

    def encode(self, v: Any) -> Any:
        """The value as skopt / optuna search it (itself)."""
        return v

    def position(self, v: Any) -> float:
        """Where `v` lies in [lo, hi], from 0 to 1, measured in log space where the range is log."""
        lo, hi, x = float(self.lo), float(self.hi), float(v)
        if self.log:
            lo, hi, x = math.log(lo), math.log(hi), math.log(x)
        return (x - lo) / (hi - lo)

    def _step(self, v: Any, rng: np.random.Generator, step: float) -> float:
        """`v` plus a normal step of `step` times the range, in log space where log, clipped."""
        lo, hi = (math.log(self.lo), math.log(self.hi)) if self.log else (float(self.lo), float(self.hi))
        x = math.log(v) if self.log else float(v)
        y = min(max(x + rng.normal(0.0, step * (hi - lo)), lo), hi)
        return math.exp(y) if self.log else y

    def narrowed(self, lower: Any, upper: Any) -> Self | None:
        """This range intersected with a proposed [lower, upper] (SLLMBO's narrowing); None when the
        proposal is not numeric or leaves nothing (for an Int: no two integers)."""
        try:
            lo, hi = max(float(lower), self.lo), min(float(upper), self.hi)
        except (TypeError, ValueError):
            return None
        lo, hi = self._inner(lo), self._inner(hi, up=False)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            return None
        return type(self)(self.name, lo, hi, log=self.log, default=min(max(self.default, lo), hi), meaning=self.meaning)

    def _inner(self, x: float, up: bool = True) -> Any:
        return x

    def plot_axis(self, ax: Any, values: Sequence[Any]) -> list[float]:
        """Set a matplotlib axis to this range (log where log, 3 % padding); x positions of `values`."""
        xs = [float(v) for v in values]
        if self.log:
            ax.set_xscale("log")
            pad = (self.hi / self.lo) ** 0.03
            ax.set_xlim(self.lo / pad, self.hi * pad)
        else:
            pad = 0.03 * (self.hi - self.lo)
            ax.set_xlim(self.lo - pad, self.hi + pad)
        return xs

    def to_configspace(self, meta: dict[str, Any]) -> Any:
        import ConfigSpace as CS

        kind = getattr(CS, f"{self._cs_type}Hyperparameter")  # UniformFloat- / UniformIntegerHyperparameter
        return kind(self.name, self.lo, self.hi, default_value=self.default, log=self.log, meta=meta)

    def _fields(self) -> dict[str, Any]:
        return {"lo": self.lo, "hi": self.hi, "log": self.log}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        return cls(d["name"], d["lo"], d["hi"], log=bool(d.get("log")), default=d.get("default"), meaning=d.get("meaning", ""))

    @classmethod
    def from_configspace_json(cls, hp: dict[str, Any], meta: dict[str, Any]) -> Self:
        return cls(hp["name"], hp["lower"], hp["upper"], log=hp["log"], default=hp["default"],
                   meaning=str(meta.get("meaning", "")))


@dataclass(frozen=True)
class Float(_Range):
    kind = "float"

    def __post_init__(self) -> None:
        _check_bounds(self, float(self.lo), float(self.hi))
        object.__setattr__(self, "lo", float(self.lo))
        object.__setattr__(self, "hi", float(self.hi))
        d = _mid(self.lo, self.hi, self.log) if self.default is None else self.default
        if not is_number(d) or not self.lo <= canonical_number(d) <= self.hi:
            raise UserError(f"parameter {self.name!r}: default {d!r} outside [{self.lo}, {self.hi}]")
        object.__setattr__(self, "default", canonical_number(d))

    def cardinality(self) -> int | None:
        """Number of distinct values: None, a float range is continuous."""
        return None

    def sample(self, rng: np.random.Generator) -> float:
        if self.log:
            x = math.exp(rng.uniform(math.log(self.lo), math.log(self.hi)))
        else:
            x = rng.uniform(self.lo, self.hi)
        return min(max(float(x), self.lo), self.hi)

    def from_unit(self, u: float) -> float:
        """The value at fraction `u` of the range (log space where log): initial designs map the unit cube."""
        if self.log:
            x = math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))
        else:
            x = self.lo + u * (self.hi - self.lo)
        return min(max(float(x), self.lo), self.hi)

    def nudge(self, v: Any, rng: np.random.Generator, step: float) -> float:
        """A nearby value: a normal step of `step` times the range (in log space where log)."""
        return float(min(max(self._step(v, rng, step), self.lo), self.hi))

    def check(self, v: Any) -> str | None:
        if not is_number(v) or not math.isfinite(float(v)):
            return f"expected a finite number, got {v!r}"
        if not self.lo <= canonical_number(v) <= self.hi:
            return f"{format_value(v)} outside [{format_value(self.lo)}, {format_value(self.hi)}]"
        return None

    def repair(self, v: Any, repairs: list[str]) -> float:
        x = parse_number(self.name, v, repairs)
        if x is None:
            repairs.append(f"{self.name}: {v!r} is not a finite number, set to default {format_value(self.default)}")
            return float(self.default)
        clipped = min(max(canonical_number(x), self.lo), self.hi)
        if clipped != canonical_number(x):
            repairs.append(f"{self.name}: {format_value(x)} clipped to {format_value(clipped)}")
            return clipped
        return x

    def as_valid(self, v: Any) -> float:
        """A value that passed `check`, as a repaired config keeps it: full precision (keys round it)."""
        return float(v)

    def canonical(self, v: Any) -> float:
        return canonical_number(v)

    def decode(self, v: Any) -> float:
        """Inverse of `encode` for a native Python value."""
        return float(v)

    def to_skopt(self) -> Any:
        from skopt.space import Real

        return Real(self.lo, self.hi, prior="log-uniform" if self.log else "uniform", name=self.name)

    def to_optuna(self, *, grid_index: bool = True) -> Any:
        from optuna.distributions import FloatDistribution

        return FloatDistribution(self.lo, self.hi, log=self.log)


@dataclass(frozen=True)
class Int(_Range):
    kind = "int"
    _json_type = "integer"
    _cs_type = "UniformInteger"

    def __post_init__(self) -> None:
        for bound in (self.lo, self.hi):
            if not is_number(bound) or float(bound) != int(bound):
                raise UserError(f"parameter {self.name!r}: integer bounds required, got {bound!r}")
        object.__setattr__(self, "lo", int(self.lo))
        object.__setattr__(self, "hi", int(self.hi))
        _check_bounds(self, self.lo, self.hi)
        d = int(math.floor(_mid(self.lo, self.hi, self.log) + 0.5)) if self.default is None else self.default
        if self.check(d) is not None:
            raise UserError(f"parameter {self.name!r}: default {d!r} is not an integer in [{self.lo}, {self.hi}]")
        object.__setattr__(self, "default", int(d))

    def cardinality(self) -> int:
        return self.hi - self.lo + 1

    def sample(self, rng: np.random.Generator) -> int:
        if self.log:
            x = math.floor(math.exp(rng.uniform(math.log(self.lo), math.log(self.hi + 1))))
            return int(min(max(x, self.lo), self.hi))
        return int(rng.integers(self.lo, self.hi + 1))

    def from_unit(self, u: float) -> int:
        """The integer at fraction `u` of the range: equal-width bins (log-width where log), so each
        integer gets its share of the unit interval, the top one included."""
        if self.log:
            lo, hi = math.log(self.lo), math.log(self.hi + 1)
            return int(min(max(math.floor(math.exp(lo + u * (hi - lo))), self.lo), self.hi))
        return int(min(self.lo + math.floor(u * (self.hi - self.lo + 1)), self.hi))

    def nudge(self, v: Any, rng: np.random.Generator, step: float) -> int:
        """A nearby integer; a step that rounds back to `v` moves by one in a random direction."""
        r = int(round(self._step(v, rng, step)))
        if r == v:
            r = v + (1 if rng.random() < 0.5 else -1)
        return int(min(max(r, self.lo), self.hi))

    def check(self, v: Any) -> str | None:
        if not is_number(v) or not math.isfinite(float(v)) or float(v) != math.floor(float(v)):
            return f"expected an integer, got {v!r}"
        if not self.lo <= int(v) <= self.hi:
            return f"{int(v)} outside [{self.lo}, {self.hi}]"
        return None

    def repair(self, v: Any, repairs: list[str]) -> int:
        x = parse_number(self.name, v, repairs)
        if x is None:
            repairs.append(f"{self.name}: {v!r} is not a finite number, set to default {self.default}")
            return int(self.default)
        clipped = min(max(x, float(self.lo)), float(self.hi))
        if clipped != x:
            repairs.append(f"{self.name}: {format_value(v) if is_number(v) else format_value(x)} clipped to {int(clipped)}")
            return int(clipped)
        r = int(math.floor(x + 0.5))
        if r != x:
            repairs.append(f"{self.name}: {format_value(x)} rounded to {r}")
        return r

    def as_valid(self, v: Any) -> int:
        return self.canonical(v)

    def canonical(self, v: Any) -> int:
        return int(v)

    def decode(self, v: Any) -> int:
        return int(round(v))

    def _inner(self, x: float, up: bool = True) -> Any:
        """Bounds of a narrowed range move inwards to whole numbers."""
        if not math.isfinite(x):
            return x
        return math.ceil(x) if up else math.floor(x)

    def to_skopt(self) -> Any:
        from skopt.space import Integer

        return Integer(self.lo, self.hi, prior="log-uniform" if self.log else "uniform", name=self.name)

    def to_optuna(self, *, grid_index: bool = True) -> Any:
        from optuna.distributions import IntDistribution

        return IntDistribution(self.lo, self.hi, log=self.log)


@dataclass(frozen=True)
class Categorical(_Described):
    name: str
    choices: tuple[Scalar, ...]
    default: Scalar = None
    meaning: str = ""
    kind = "categorical"
    log = False
    ranged = False

    def __post_init__(self) -> None:
        choices = tuple(native(c) for c in self.choices)
        if not choices:
            raise UserError(f"parameter {self.name!r}: no choices")
        for c in choices:
            if not (c is None or isinstance(c, str | bool) or is_number(c)):
                raise UserError(f"parameter {self.name!r}: choice {c!r} is not a JSON scalar")
        if len({json.dumps(c) for c in choices}) != len(choices):
            raise UserError(f"parameter {self.name!r}: duplicate choices {list(choices)}")
        object.__setattr__(self, "choices", choices)
        d = choices[0] if self.default is None else self.default
        if self._find(d) is None:
            raise UserError(f"parameter {self.name!r}: default {d!r} is not one of {list(choices)}")
        object.__setattr__(self, "default", self._find(d))

    def _find(self, v: Any) -> Scalar:
        return next((c for c in self.choices if same_choice(c, v)), None)

    def _has(self, v: Any) -> bool:
        return any(same_choice(c, v) for c in self.choices)

    def cardinality(self) -> int:
        return len(self.choices)

    def sample(self, rng: np.random.Generator) -> Scalar:
        return self.choices[int(rng.integers(len(self.choices)))]

    def from_unit(self, u: float) -> Scalar:
        """The choice whose equal-width bin of the unit interval holds `u`."""
        return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]

    def nudge(self, v: Any, rng: np.random.Generator, step: float) -> Scalar:
        """Another choice, uniformly (`step` is for ranges; a list has no nearby value)."""
        others = [c for c in self.choices if c != v]
        return others[int(rng.integers(len(others)))] if others else v

    def index(self, v: Any) -> int:
        """Position of a choice (model-based optimizers search an ordinal's index, which keeps the order)."""
        found = next((i for i, c in enumerate(self.choices) if same_choice(c, v)), None)
        if found is None:
            raise UserError(f"parameter {self.name!r}: {v!r} is not one of {list(self.choices)}")
        return found

    def position(self, v: Any) -> float:
        """Where `v` lies in the list, from 0 (first) to 1 (last)."""
        return self.index(v) / max(1, len(self.choices) - 1)

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
        if isinstance(v, str) and all(is_number(c) for c in self.choices):
            x = parse_number(self.name, v, [])
            if x is not None and self._has(x):
                repairs.append(f"{self.name}: string {v!r} parsed as {self._find(x)!r}")
                return self._find(x)
        repairs.append(f"{self.name}: {v!r} is not one of {list(self.choices)}, set to default {self.default!r}")
        return self.default

    def as_valid(self, v: Any) -> Scalar:
        """A value that passed `check`, as a repaired config keeps it (the canonical choice)."""
        return self.canonical(v)

    def canonical(self, v: Any) -> Scalar:
        c = self._find(v)
        return canonical_number(c) if isinstance(c, float) else c

    def encode(self, v: Any) -> Any:
        return v

    def decode(self, v: Any) -> Scalar:
        return self.canonical(v)

    def prompt_value(self, v: Any) -> Any:
        """Exactly as it is: a model echoing a choice must hit it."""
        return v

    def plot_axis(self, ax: Any, values: Sequence[Any]) -> list[int]:
        """One labelled tick per choice on a matplotlib axis; x positions (choice indices) of `values`."""
        labels = [f"{c:.3g}" if isinstance(c, float) else str(c) for c in self.choices]
        keys = [json.dumps(self.canonical(c)) for c in self.choices]
        xs = [keys.index(json.dumps(self.canonical(v))) for v in values]
        ax.set_xticks(range(len(labels)), labels, fontsize=7, rotation=45 if len(labels) > 5 else 0)
        ax.set_xlim(-0.5, len(labels) - 0.5)
        return xs

    def type_name(self) -> str:
        return "Categorical"

    def range_text(self) -> str:
        return "Choices: {" + ", ".join(format_value(c) for c in self.choices) + "}"

    def json_bounds(self) -> list[Any]:
        return list(self.choices)

    def json_schema(self) -> dict[str, Any]:
        return {"enum": list(self.choices)}

    def to_skopt(self) -> Any:
        from skopt.space import Categorical as SkCategorical

        return SkCategorical(list(self.choices), name=self.name)

    def to_optuna(self, *, grid_index: bool = True) -> Any:
        from optuna.distributions import CategoricalDistribution

        return CategoricalDistribution(list(self.choices))

    def to_configspace(self, meta: dict[str, Any]) -> Any:
        import ConfigSpace as CS

        if len(set(self.choices)) < len(self.choices):  # Python equality: True == 1 == 1.0
            raise UserError(f"parameter {self.name!r}: ConfigSpace cannot tell apart the choices {list(self.choices)}")
        return CS.CategoricalHyperparameter(self.name, list(self.choices), default_value=self.default, meta=meta)

    def _fields(self) -> dict[str, Any]:
        return {"choices": list(self.choices)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        return cls(d["name"], tuple(d["choices"]), default=d.get("default"), meaning=d.get("meaning", ""))

    @classmethod
    def from_configspace_json(cls, hp: dict[str, Any], meta: dict[str, Any]) -> Self:
        return cls(hp["name"], tuple(hp["choices"]), default=hp["default"], meaning=str(meta.get("meaning", "")))


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
        for attr, v in (("name", name), ("values", tuple(native(x) for x in values)), ("log", log),
                        ("meaning", meaning), ("default", default)):
            object.__setattr__(self, attr, v)
        object.__setattr__(self, "choices", self.values)
        if log and not all(is_number(x) and x > 0 for x in self.values):
            raise UserError(f"parameter {name!r}: a log ordinal needs positive numeric values")
        super().__post_init__()

    @property
    def numeric(self) -> bool:
        return all(is_number(x) for x in self.values)

    def repair(self, v: Any, repairs: list[str]) -> Scalar:
        if self._has(v) or not self.numeric:
            return super().repair(v, repairs)
        x = parse_number(self.name, v, repairs)
        if x is None:
            repairs.append(f"{self.name}: {v!r} is not a finite number, set to default {format_value(self.default)}")
            return self.default
        if self._has(x):
            return self._find(x)

        def dist(g: Any) -> float:
            if self.log:
                return abs(math.log(float(g)) - math.log(max(x, 1e-300)))
            return abs(float(g) - x)

        snapped = min(self.values, key=dist)
        repairs.append(f"{self.name}: {format_value(x)} snapped to {format_value(snapped)} (nearest grid value)")
        return snapped

    def at(self, i: Any) -> Scalar:
        """The grid value at a (possibly float) index, rounded and clipped to the grid."""
        return self.values[min(max(int(round(float(i))), 0), len(self.values) - 1)]

    def encode(self, v: Any) -> int:
        """The grid index: skopt and optuna search it, which keeps the order."""
        return self.index(v)

    def decode(self, v: Any) -> Scalar:
        return self.at(v)

    def to_skopt(self) -> Any:
        """An integer index dimension: ordered, and on a log-spaced grid equal index steps are equal
        log steps, so the GP sees the grid's own spacing (one dimension, not one-hot columns)."""
        from skopt.space import Integer

        return Integer(0, len(self.values) - 1, name=self.name)

    def to_optuna(self, *, grid_index: bool = True) -> Any:
        """An index range, or with `grid_index=False` the grid values as categories (the form a
        user's own `suggest_categorical` declares, for an optuna study run by LLMSampler)."""
        from optuna.distributions import IntDistribution

        return IntDistribution(0, len(self.values) - 1) if grid_index else super().to_optuna()

    def to_configspace(self, meta: dict[str, Any]) -> Any:
        """ConfigSpace has no log ordinals: the flag travels in `meta` (`from_configspace_json` reads it)."""
        import ConfigSpace as CS

        return CS.OrdinalHyperparameter(self.name, list(self.values), default_value=self.default,
                                        meta={**meta, "log": self.log})

    def type_name(self) -> str:
        return "Ordinal"

    def range_text(self) -> str:
        return "Values: [" + ", ".join(format_value(c) for c in self.values) + "]"

    def _fields(self) -> dict[str, Any]:
        return {"values": list(self.values), "log": self.log}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        return cls(d["name"], d["values"], log=bool(d.get("log")), default=d.get("default"), meaning=d.get("meaning", ""))

    @classmethod
    def from_configspace_json(cls, hp: dict[str, Any], meta: dict[str, Any]) -> Self:
        return cls(hp["name"], list(hp["sequence"]), default=hp["default"], log=bool(meta.get("log", False)),
                   meaning=str(meta.get("meaning", "")))


Param = Float | Int | Categorical | Ordinal
KINDS: dict[str, type[Float] | type[Int] | type[Categorical]] = {
    cls.kind: cls for cls in (Float, Int, Categorical, Ordinal)
}  # "float" -> Float, ...: the `type` of a manifest entry and of a ConfigSpace JSON hyperparameter


def _mid(lo: float, hi: float, log: bool) -> float:
    return math.sqrt(lo * hi) if log else (lo + hi) / 2


def _check_bounds(p: _Range, lo: float, hi: float) -> None:
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise UserError(f"parameter {p.name!r}: need finite bounds lo < hi, got [{lo}, {hi}]")
    if p.log and lo <= 0:
        raise UserError(f"parameter {p.name!r}: a log-scale range needs lo > 0, got {lo}")
