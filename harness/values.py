"""One hyperparameter value: stable numbers, type-aware equality, readable text, numpy -> Python.

The rules every parameter type shares, in one place: harness/params/ builds the types on them, the
optimizers (smac_bo's numpy answers) and prompts call them instead of restating them. Numbers are
compared after rounding to 12 significant digits, so a value one ulp outside a bound still counts.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import numpy as np

Scalar = str | int | float | bool | None


def canonical_number(x: float) -> float:
    """Stable float: 12 significant digits, -0.0 -> 0.0 (used for keys and comparisons)."""
    y = float(f"{float(x):.12g}")
    return 0.0 if y == 0.0 else y


def is_number(v: Any) -> bool:
    """An int or float (numpy ones too), never a bool."""
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)


def format_value(v: Any) -> str:
    """Readable value for repair reasons and prompts (floats as Python repr: 1e-05, 1024.0)."""
    return repr(float(v)) if isinstance(v, float | np.floating) else repr(v) if isinstance(v, str) else str(v)


def short_number(v: Any) -> Any:
    """A float at 6 significant digits (how prompts show a continuous value); anything else unchanged."""
    return float(f"{v:.6g}") if isinstance(v, float) else v


def short_toward(x: float, *, up: bool) -> float:
    """The number at short_number's precision (6 significant digits) nearest `x` upwards or downwards:
    where a rounded value would cross a bound, the one just inside it."""
    d = Decimal(repr(float(x)))
    if d == 0:
        return 0.0
    quantum = Decimal(1).scaleb(d.adjusted() - 5)
    return float(d.quantize(quantum, rounding=ROUND_CEILING if up else ROUND_FLOOR))


def same_choice(choice: Scalar, v: Any) -> bool:
    """Type-aware equality: True is not 1, 1 equals 1.0, numbers compare canonically."""
    if isinstance(choice, bool) or isinstance(v, bool | np.bool_):
        return isinstance(choice, bool) and isinstance(v, bool | np.bool_) and bool(v) == choice
    if is_number(choice) and is_number(v):
        return math.isfinite(float(v)) and canonical_number(choice) == canonical_number(v)
    return type(choice) is type(v) and choice == v


def native(v: Any) -> Any:
    """A numpy scalar as the Python value it holds (for JSON and keys); anything else unchanged."""
    return v.item() if isinstance(v, np.generic) else v


def parse_number(name: str, v: Any, repairs: list[str]) -> float | None:
    """A finite float from a number or a numeric string; None (caller uses the default) otherwise."""
    if isinstance(v, str):
        try:
            x = float(v.strip())
        except ValueError:
            return None
        repairs.append(f"{name}: string {v!r} parsed as {format_value(x)}")
        v = x
    if not is_number(v) or not math.isfinite(float(v)):
        return None
    return float(v)
