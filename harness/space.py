"""Search spaces: typed hyperparameters, sampling, validation, repair and converters.

One SearchSpace serves every consumer, so they all agree on what a configuration is: optimizers
sample and repair with it, LLM prompts describe it, the evaluation cache keys on `canonical()`, and
skopt / optuna / ConfigSpace see the same bounds. Numbers are compared after rounding to 12
significant digits, so a value one ulp outside a bound (e.g. exp(log(lo))) still counts as inside.

Model-based optimizers (skopt, optuna) search an Ordinal by its integer *index* into the grid, so
the order is kept (a GP sees one dimension with the grid's own spacing, not one-hot categories);
`encode()` maps a config to that form and `decode()` / `from_skopt()` map back to the exact grid
values as native Python numbers.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from llmhpo.harness.errors import InvalidConfig, UserError
from llmhpo.harness.params import (  # noqa: F401  (Float, Int, Categorical, Ordinal are re-exported here)
    KINDS,
    Categorical,
    Float,
    Int,
    Ordinal,
    Param,
    canonical_number,
)
from llmhpo.harness.space_json import configspace_to_json
from llmhpo.harness.values import format_value, native


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
            size = p.cardinality()
            if size is None:
                return None
            n *= size
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
                repairs.append(f"{p.name}: missing, set to default {format_value(p.default)}")
                out[p.name] = p.default
            elif p.check(config[p.name]) is None:
                out[p.name] = p.as_valid(config[p.name])
            else:
                out[p.name] = p.repair(config[p.name], repairs)
        return out, repairs

    def canonical(self, config: dict[str, Any]) -> dict[str, Any]:
        """Validated config in parameter order with stable numbers (the form used in cache keys)."""
        self.validate(config)
        return {p.name: p.canonical(config[p.name]) for p in self.params}

    def shown(self, config: dict[str, Any]) -> dict[str, Any]:
        """A valid config as prompts show it (each parameter's `shown`: floats at the prompt's precision,
        inside their bounds): what proposals revision 2 evaluates, and the form duplicates compare in."""
        return {p.name: p.shown(config[p.name]) for p in self.params}

    def key(self, config: dict[str, Any]) -> str:
        """A hashable identity of a config: equal for the same point, whatever its number formatting."""
        return json.dumps(self.canonical(config), sort_keys=True)

    def describe(self, style: str = "zhang") -> str:
        """Prompt text: "zhang" = one line per parameter (Zhang et al. B.1), "json" = JSON bounds."""
        if style == "zhang":
            return "\n".join(p.zhang_line() for p in self.params)
        if style == "json":
            body = "{\n" + ",\n".join(f"  {json.dumps(p.name)}: {json.dumps(p.json_bounds())}" for p in self.params)
            notes = [body + "\n}"]
            logs = [p.name for p in self.params if p.log]
            # the notes say in words what each parameter's JSON schema says: integer, or one of a list
            ints = [p.name for p in self.params if p.json_schema().get("type") == "integer"]
            grids = [p.name for p in self.params if "enum" in p.json_schema()]
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

    def encode(self, config: dict[str, Any]) -> dict[str, Any]:
        """A config as skopt / optuna search it: ordinals as grid indices, everything else as is."""
        return {p.name: p.encode(config[p.name]) for p in self.params}

    def decode(self, encoded: dict[str, Any]) -> dict[str, Any]:
        """Inverse of `encode` (indices back to exact grid values), as native Python values."""
        return {p.name: p.decode(native(encoded[p.name])) for p in self.params}

    def to_skopt_point(self, config: dict[str, Any]) -> list[Any]:
        """A config as a skopt point (in `to_skopt()` order)."""
        encoded = self.encode(config)
        return [encoded[n] for n in self.names]

    def from_skopt(self, values: Sequence[Any]) -> dict[str, Any]:
        """Map a skopt point (in `to_skopt()` order) back to a config of native Python values."""
        if len(values) != len(self.params):
            raise InvalidConfig("<config>", f"expected {len(self.params)} values, got {len(values)}")
        return self.decode(dict(zip(self.names, values, strict=True)))

    def to_optuna(self, *, ordinal_index: bool = True) -> dict[str, Any]:
        """optuna distributions; `ordinal_index=False` gives ordinals as categorical grid values (the
        form a user's own `suggest_categorical` declares, for an optuna study run by LLMSampler)."""
        return {p.name: p.to_optuna(grid_index=ordinal_index) for p in self.params}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for manifests; `from_dict` inverts it."""
        return {"params": [p.to_dict() for p in self.params], "fixed": dict(self.fixed)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SearchSpace:
        try:
            params: list[Param] = []
            for p in d["params"]:
                if p["type"] not in KINDS:
                    raise UserError(f"unknown parameter type {p['type']!r}")
                params.append(KINDS[p["type"]].from_dict(p))
            return cls(params, fixed=d.get("fixed"))
        except (KeyError, TypeError) as exc:
            raise UserError(f"malformed search space: {exc!r}") from exc

    @classmethod
    def from_configspace(cls, cs: Any) -> SearchSpace:
        """Convert a ConfigSpace space (optional dependency; any version, through its neutral JSON form);
        Constants become `fixed` values."""
        return cls.from_configspace_json(configspace_to_json(cs))

    @classmethod
    def from_configspace_json(cls, d: dict[str, Any]) -> SearchSpace:
        """A space from `harness.space_json.configspace_to_json` output (any ConfigSpace version)."""
        if d.get("conditions") or d.get("forbidden"):
            raise UserError("ConfigSpace conditions/forbidden clauses are not supported")
        params: list[tuple[Any, Param]] = []
        fixed: dict[str, Any] = {}
        for i, hp in enumerate(d["hyperparameters"]):
            name, kind = hp["name"], hp["type"]
            # `to_configspace` writes each parameter's meaning, position and ordinal log flag in `meta`
            meta = hp.get("meta") or {}
            if kind == "constant":
                fixed[name] = hp["value"]
            elif kind in KINDS:
                params.append(((meta.get("index", i), i), KINDS[kind].from_configspace_json(hp, meta)))
            else:
                raise UserError(f"unsupported ConfigSpace hyperparameter {name!r} ({hp.get('class')})")
        return cls([p for _, p in sorted(params, key=lambda t: t[0])], fixed=fixed)

    def to_configspace(self, seed: int | None = None) -> Any:
        """This space as a ConfigSpace space (for SMAC): log scales, integers, categoricals and ordinal
        grids kept, `fixed` values as Constants. ConfigSpace sorts names and has no log ordinals, so each
        parameter's position, meaning and ordinal log flag travel in `meta` (`from_configspace` reads them)."""
        import ConfigSpace as CS

        hps = [p.to_configspace({"meaning": p.meaning, "index": i}) for i, p in enumerate(self.params)]
        cs = CS.ConfigurationSpace(seed=seed)
        cs.add(hps + [CS.Constant(name, value) for name, value in self.fixed.items()])
        return cs

