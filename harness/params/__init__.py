"""Typed hyperparameters (Float, Int, Categorical, Ordinal): everything that depends on the type.

A parameter knows its own range and how to sample, check, repair and describe one value, where a
value sits in its range (initial designs, plots, nudges), how it narrows, and how it looks to skopt,
optuna, ConfigSpace and JSON. SearchSpace (space.py) loops over parameters and no other module asks
which type a parameter is. The value rules they share (canonical numbers, equality, text) live in
harness/values.py.

A new kind is one class implementing `base.METHODS` (plus `narrowed` if `ranged`), one entry in
KINDS (its name in manifests and in ConfigSpace JSON) and one in the Param union.
"""

from __future__ import annotations

from llmhpo.harness.params.base import Parameter
from llmhpo.harness.params.choices import Categorical, Ordinal
from llmhpo.harness.params.ranges import Float, Int, Range
from llmhpo.harness.values import Scalar, canonical_number

__all__ = ["KINDS", "Categorical", "Float", "Int", "Ordinal", "Param", "Parameter", "Range", "Scalar", "canonical_number"]

Param = Float | Int | Categorical | Ordinal
KINDS: dict[str, type[Float] | type[Int] | type[Categorical]] = {
    cls.kind: cls for cls in (Float, Int, Categorical, Ordinal)
}  # "float" -> Float, ...: the `type` of a manifest entry and of a ConfigSpace JSON hyperparameter
