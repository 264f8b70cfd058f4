"""Categorical and Ordinal: a list of values (an Ordinal's is ordered), and everything that depends on it.

Choices compare type-aware (True is not 1, 1 equals 1.0); an ordinal grid is searched by index by
the model-based optimizers, so its order survives, and a numeric grid repairs by snapping.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np

from llmhpo.harness.errors import UserError
from llmhpo.harness.params.base import Parameter
from llmhpo.harness.values import (
    Scalar,
    canonical_number,
    format_value,
    is_number,
    native,
    parse_number,
    same_choice,
)


@dataclass(frozen=True)
class Categorical(Parameter):
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

    def shown(self, v: Any) -> Any:
        """`v` as a prompt shows it: a choice is shown exactly, so itself."""
        return self.prompt_value(v)

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

    def type_fields(self) -> dict[str, Any]:
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

    def type_fields(self) -> dict[str, Any]:
        return {"values": list(self.values), "log": self.log}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        return cls(d["name"], d["values"], log=bool(d.get("log")), default=d.get("default"), meaning=d.get("meaning", ""))

    @classmethod
    def from_configspace_json(cls, hp: dict[str, Any], meta: dict[str, Any]) -> Self:
        return cls(hp["name"], list(hp["sequence"]), default=hp["default"], log=bool(meta.get("log", False)),
                   meaning=str(meta.get("meaning", "")))
