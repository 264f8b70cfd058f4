"""A ConfigSpace space as plain JSON: the neutral form between ConfigSpace versions.

Standard library only, and no import of the rest of the project: HPOBench's worker loads this file
by path under ConfigSpace 0.6 (HPOBench's era), while the project reads ConfigSpace 1.x; both
describe a space with `configspace_to_json` and the project turns the result into a SearchSpace
with `SearchSpace.from_configspace_json`. The 0.x and 1.x APIs are told apart by method names.
"""

from __future__ import annotations

from typing import Any

# Normal and Beta hyperparameters have bounds too, but a prior the project cannot represent.
FLOATS = ("UniformFloatHyperparameter",)
INTS = ("UniformIntegerHyperparameter",)


def native(v: Any) -> Any:
    """A numpy scalar as a Python value, duck-typed: this file must not import numpy or harness.values
    (the HPOBench worker loads it by path, and calls this too)."""
    return v.item() if hasattr(v, "item") and not isinstance(v, (str, bytes)) else v


def hyperparameter_to_json(hp: Any) -> dict[str, Any]:
    """name, ConfigSpace class and a neutral `type` (float/int/constant/categorical/ordinal/unsupported)."""
    kind = type(hp).__name__
    out: dict[str, Any] = {"name": hp.name, "class": kind}
    meta = getattr(hp, "meta", None)
    if isinstance(meta, dict):
        out["meta"] = {k: native(v) for k, v in meta.items() if isinstance(native(v), (str, int, float, bool))}
    if kind == "Constant":
        out.update(type="constant", value=native(hp.value))
    elif kind in FLOATS:
        out.update(type="float", lower=float(hp.lower), upper=float(hp.upper), log=bool(hp.log),
                   default=float(hp.default_value))
    elif kind in INTS:
        out.update(type="int", lower=int(hp.lower), upper=int(hp.upper), log=bool(hp.log),
                   default=int(hp.default_value))
    elif kind == "CategoricalHyperparameter":
        out.update(type="categorical", choices=[native(c) for c in hp.choices], default=native(hp.default_value))
    elif kind == "OrdinalHyperparameter":
        out.update(type="ordinal", sequence=[native(c) for c in hp.sequence], default=native(hp.default_value))
    else:
        out.update(type="unsupported")
    return out


def configspace_to_json(cs: Any) -> dict[str, Any]:
    """hyperparameters in the space's order, and conditions / forbidden clauses as text."""
    if hasattr(cs, "conditions"):  # ConfigSpace >= 1.0 (the getters below are deprecated there)
        conditions, forbidden = list(cs.conditions), list(cs.forbidden_clauses)
    else:  # ConfigSpace 0.4-0.6
        conditions, forbidden = cs.get_conditions(), cs.get_forbiddens()
    return {"hyperparameters": [hyperparameter_to_json(hp) for hp in cs.values()],
            "conditions": [str(c) for c in conditions], "forbidden": [str(f) for f in forbidden]}
