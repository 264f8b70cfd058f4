"""Float and Int: a numeric [lo, hi] range, linear or log, and everything that depends on it.

Sampling, the initial-design mapping (`from_unit`), nudges, repair, narrowing to a sub-range (SLLMBO),
the plot axis and the skopt / optuna / ConfigSpace forms; an Int does all of it in whole numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from llmhpo.harness.errors import UserError
from llmhpo.harness.params.base import Parameter
from llmhpo.harness.values import (
    canonical_number,
    format_value,
    is_number,
    parse_number,
    short_number,
    short_toward,
)


@dataclass(frozen=True)
class Range(Parameter):
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

    def shown(self, v: Any) -> Any:
        """`v` as a prompt shows it (`prompt_value`, the one rule), kept inside [lo, hi]: when rounding
        crosses a bound, the value at the prompt's precision just inside it; `v` itself when the range
        is too narrow to hold one (proposals revision 2 evaluates this, so the prompt's history is exact)."""
        x = self.prompt_value(v)
        if self.check(x) is None:
            return x
        inside = short_toward(self.lo, up=True) if canonical_number(x) < self.lo else short_toward(self.hi, up=False)
        return inside if self.check(inside) is None and self.prompt_value(inside) == inside else v

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

    def type_fields(self) -> dict[str, Any]:
        return {"lo": self.lo, "hi": self.hi, "log": self.log}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        return cls(d["name"], d["lo"], d["hi"], log=bool(d.get("log")), default=d.get("default"), meaning=d.get("meaning", ""))

    @classmethod
    def from_configspace_json(cls, hp: dict[str, Any], meta: dict[str, Any]) -> Self:
        return cls(hp["name"], hp["lower"], hp["upper"], log=hp["log"], default=hp["default"],
                   meaning=str(meta.get("meaning", "")))


@dataclass(frozen=True)
class Float(Range):
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
class Int(Range):
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


def _mid(lo: float, hi: float, log: bool) -> float:
    return math.sqrt(lo * hi) if log else (lo + hi) / 2


def _check_bounds(p: Range, lo: float, hi: float) -> None:
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise UserError(f"parameter {p.name!r}: need finite bounds lo < hi, got [{lo}, {hi}]")
    if p.log and lo <= 0:
        raise UserError(f"parameter {p.name!r}: a log-scale range needs lo > 0, got {lo}")
