"""Search spaces: typed hyperparameters, sampling, validation, repair and converters.

One SearchSpace serves every consumer, so they all agree on what a configuration is: optimizers
sample and repair with it, LLM prompts describe it, the evaluation cache keys on `canonical()`, and
skopt / optuna / ConfigSpace see the same bounds. Numbers are compared after rounding to 12
significant digits, so a value one ulp outside a bound (e.g. exp(log(lo))) still counts as inside.

skopt has no ordinal dimension: `to_skopt()` maps an Ordinal to a `Categorical` over its grid
*values* (in grid order); `from_skopt()` returns those values as native Python numbers.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from harness.errors import InvalidConfig, UserError

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


class SearchSpace:
    """An ordered set of parameters; `fixed` holds ConfigSpace constants (never searched)."""

    def __init__(self, params: Sequence[Param], fixed: dict[str, Any] | None = None) -> None:
        self.params: tuple[Param, ...] = tuple(params)
        self.names: tuple[str, ...] = tuple(p.name for p in self.params)
        self.fixed: dict[str, Any] = dict(fixed or {})
        if not self.params:
            raise UserError("a search space needs at least one parameter")
        if len(set(self.names)) != len(self.names):
            raise UserError(f"duplicate parameter names in {list(self.names)}")
        self._by_name = {p.name: p for p in self.params}

    def __len__(self) -> int:
        return len(self.params)

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def __getitem__(self, name: str) -> Param:
        return self._by_name[name]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def __repr__(self) -> str:
        return f"SearchSpace({list(self.params)!r})"

    def cardinality(self) -> int | None:
        """Number of distinct configs when every parameter is discrete, else None."""
        n = 1
        for p in self.params:
            if isinstance(p, Float):
                return None
            n *= (p.hi - p.lo + 1) if isinstance(p, Int) else len(p.choices)
        return n

    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        return {p.name: p.sample(rng) for p in self.params}

    def default(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def validate(self, config: Any) -> None:
        """Raise InvalidConfig naming the first offending parameter."""
        if not isinstance(config, dict):
            raise InvalidConfig("<config>", f"expected a JSON object of parameters, got {type(config).__name__}")
        for key in config:
            if key not in self._by_name:
                close = difflib.get_close_matches(str(key), self.names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(self.names)})"
                raise InvalidConfig(str(key), f"not a parameter of this search space{hint}")
        for p in self.params:
            if p.name not in config:
                raise InvalidConfig(p.name, "missing")
            reason = p.check(config[p.name])
            if reason:
                raise InvalidConfig(p.name, reason)

    def contains(self, config: Any) -> bool:
        try:
            self.validate(config)
        except InvalidConfig:
            return False
        return True

    def repair(self, config: Any) -> tuple[dict[str, Any], list[str]]:
        """Nearest valid config, plus one readable reason per change; a non-dict is InvalidConfig."""
        if not isinstance(config, dict):
            raise InvalidConfig("<config>", f"expected a JSON object of parameters, got {type(config).__name__}")
        repairs = [f"{k}: unknown parameter dropped" for k in config if k not in self._by_name]
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name not in config:
                repairs.append(f"{p.name}: missing, set to default {_fmt(p.default)}")
                out[p.name] = p.default
            elif p.check(config[p.name]) is None:
                out[p.name] = p.canonical(config[p.name]) if not isinstance(p, Float) else float(config[p.name])
            else:
                out[p.name] = p.repair(config[p.name], repairs)
        return out, repairs

    def canonical(self, config: dict[str, Any]) -> dict[str, Any]:
        """Validated config in parameter order with stable numbers (the form used in cache keys)."""
        self.validate(config)
        return {p.name: p.canonical(config[p.name]) for p in self.params}

    def describe(self, style: str = "zhang") -> str:
        """Prompt text: "zhang" = one line per parameter (Zhang et al. B.1), "json" = JSON bounds."""
        if style == "zhang":
            return "\n".join(_zhang_line(p) for p in self.params)
        if style == "json":
            body = "{\n" + ",\n".join(f"  {json.dumps(p.name)}: {json.dumps(p.json_bounds())}" for p in self.params)
            notes = [body + "\n}"]
            logs = [p.name for p in self.params if p.log]
            ints = [p.name for p in self.params if isinstance(p, Int)]
            grids = [p.name for p in self.params if isinstance(p, Categorical)]
            if logs:
                notes.append(f"On log-scale: {', '.join(logs)}.")
            if ints:
                notes.append(f"Integers: {', '.join(ints)}.")
            if grids:
                notes.append(f"Lists of allowed values (pick one): {', '.join(grids)}; the others are [lower, upper] bounds.")
            return "\n".join(notes)
        raise UserError(f"unknown describe style {style!r} (use 'zhang' or 'json')")

    def to_json_schema(self) -> dict[str, Any]:
        """Object schema for constrained decoding: every key required, no extra keys."""
        return {
            "type": "object",
            "properties": {p.name: p.json_schema() for p in self.params},
            "required": list(self.names),
            "additionalProperties": False,
        }

    def to_skopt(self) -> list[Any]:
        return [p.to_skopt() for p in self.params]

    def from_skopt(self, values: Sequence[Any]) -> dict[str, Any]:
        """Map a skopt point (in `to_skopt()` order) back to a config of native Python values."""
        if len(values) != len(self.params):
            raise InvalidConfig("<config>", f"expected {len(self.params)} values, got {len(values)}")
        out = {}
        for p, v in zip(self.params, values, strict=True):
            v = _native(v)
            out[p.name] = int(round(v)) if isinstance(p, Int) else p.canonical(v) if isinstance(p, Categorical) else float(v)
        return out

    def to_optuna(self) -> dict[str, Any]:
        return {p.name: p.to_optuna() for p in self.params}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for manifests; `from_dict` inverts it."""
        out: list[dict[str, Any]] = []
        for p in self.params:
            d: dict[str, Any] = {"type": p.kind, "name": p.name, "default": p.default, "meaning": p.meaning}
            if isinstance(p, Float | Int):
                d.update(lo=p.lo, hi=p.hi, log=p.log)
            elif isinstance(p, Ordinal):
                d.update(values=list(p.values), log=p.log)
            else:
                d.update(choices=list(p.choices))
            out.append(d)
        return {"params": out, "fixed": dict(self.fixed)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SearchSpace:
        try:
            params: list[Param] = []
            for p in d["params"]:
                kind, common = p["type"], {"default": p.get("default"), "meaning": p.get("meaning", "")}
                if kind in ("float", "int"):
                    t = Float if kind == "float" else Int
                    params.append(t(p["name"], p["lo"], p["hi"], log=bool(p.get("log")), **common))
                elif kind == "ordinal":
                    params.append(Ordinal(p["name"], p["values"], log=bool(p.get("log")), **common))
                elif kind == "categorical":
                    params.append(Categorical(p["name"], tuple(p["choices"]), **common))
                else:
                    raise UserError(f"unknown parameter type {kind!r}")
            return cls(params, fixed=d.get("fixed"))
        except (KeyError, TypeError) as exc:
            raise UserError(f"malformed search space: {exc!r}") from exc

    @classmethod
    def from_configspace(cls, cs: Any) -> SearchSpace:
        """Convert a ConfigSpace space (optional dependency); Constants become `fixed` values."""
        import ConfigSpace as CS

        if list(cs.conditions) or list(cs.forbidden_clauses):
            raise UserError("ConfigSpace conditions/forbidden clauses are not supported")
        params: list[Param] = []
        fixed: dict[str, Any] = {}
        for hp in list(cs.values()):
            meta = hp.meta if isinstance(hp.meta, dict) else {}
            meaning = str(meta.get("meaning", ""))
            if isinstance(hp, CS.Constant):
                fixed[hp.name] = _native(hp.value)
            elif isinstance(hp, CS.UniformFloatHyperparameter):
                params.append(Float(hp.name, hp.lower, hp.upper, log=hp.log, default=hp.default_value, meaning=meaning))
            elif isinstance(hp, CS.UniformIntegerHyperparameter):
                params.append(Int(hp.name, hp.lower, hp.upper, log=hp.log, default=hp.default_value, meaning=meaning))
            elif isinstance(hp, CS.OrdinalHyperparameter):
                params.append(Ordinal(hp.name, list(hp.sequence), default=hp.default_value, meaning=meaning))
            elif isinstance(hp, CS.CategoricalHyperparameter):
                params.append(Categorical(hp.name, tuple(hp.choices), default=hp.default_value, meaning=meaning))
            else:
                raise UserError(f"unsupported ConfigSpace hyperparameter {hp.name!r} ({type(hp).__name__})")
        return cls(params, fixed=fixed)


def _zhang_line(p: Param) -> str:
    head = f"{p.name}, {p.meaning.rstrip('. ')}." if p.meaning else f"{p.name},"
    line = f"{head} Type: {p.type_name()}, {p.range_text()}, Default: {_fmt(p.default)}"
    return line + (", on log-scale" if p.log else "")
