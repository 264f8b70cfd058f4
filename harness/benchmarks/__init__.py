"""Benchmark registry: `load(name)` and `names()`, one line per family.

A name is `<family>/<rest>`, optionally with a fidelity override after "@", e.g.
`xgb/australian@n_estimators=100` (the override becomes part of the benchmark's name, so journals
and cache keys of different fidelities never mix). Each family module provides
`names() -> list[str]` and `create(name, fidelity) -> Benchmark` (KeyError for an unknown name).
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from harness.benchmarks.base import Benchmark, Evaluation
from harness.errors import UserError

# Adding a family: one module with names()/create() and one line here.
FAMILIES: dict[str, str] = {
    "svm": "harness.benchmarks.ml_models",
    "xgb": "harness.benchmarks.ml_models",
    "rf": "harness.benchmarks.ml_models",
    "lr": "harness.benchmarks.ml_models",
    "mlp": "harness.benchmarks.ml_models",
    "nn-tab": "harness.benchmarks.tabular",
    "hpolib": "harness.benchmarks.tabular",
    "nas201": "harness.benchmarks.tabular",
    "toy": "harness.benchmarks.toy",
    "hpobench": "harness.benchmarks.hpobench_adapter",
    "hpobench-fixed": "harness.benchmarks.hpobench_adapter",
}

__all__ = ["Benchmark", "Evaluation", "load", "names", "parse_name"]


def names() -> list[str]:
    """Every loadable benchmark name (hpobench*/* only once `llmhpo hpobench setup` has run)."""
    out: list[str] = []
    for module in dict.fromkeys(FAMILIES.values()):
        out.extend(importlib.import_module(module).names())
    return out


def parse_name(name: str) -> tuple[str, dict[str, Any]]:
    """Split `base@k=v,k=v` into the base name and a fidelity dict (numbers parsed)."""
    base, _, suffix = name.strip().partition("@")
    fidelity: dict[str, Any] = {}
    for item in filter(None, (s.strip() for s in suffix.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UserError(f"bad fidelity override {item!r} in {name!r} (expected key=value)")
        try:
            fidelity[key.strip()] = int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            raise UserError(f"fidelity {key.strip()}={value!r} in {name!r} is not a number") from None
    return base, fidelity


def load(name: str, fidelity: dict[str, Any] | None = None) -> Benchmark:
    """The benchmark called `name`; UserError with close matches when there is none."""
    base, parsed = parse_name(name)
    family = base.split("/", 1)[0]
    if family in FAMILIES:
        try:
            return importlib.import_module(FAMILIES[family]).create(base, {**parsed, **(fidelity or {})} or None)
        except KeyError:
            pass
    close = difflib.get_close_matches(base, names(), n=5, cutoff=0.5)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; run `llmhpo benchmarks` for the list"
    raise UserError(f"unknown benchmark {base!r}{hint}")
