"""Benchmark registry: `load(name)` and `names()`, one line per family.

A name is `<family>/<rest>`, optionally with a fidelity override after "@", e.g.
`xgb/australian@n_estimators=100` (the override becomes part of the benchmark's name, so journals
and cache keys of different fidelities never mix). Each family is a `BaseBenchmark` subclass whose
classmethods `names()` and `create(name, fidelity)` (KeyError for an unknown name) the registry calls.
The family table is an `llmhpo.registry.Registry`, shared with optimizers and provider families.
"""

from __future__ import annotations

import difflib
import math
from typing import Any

from llmhpo.harness.benchmarks.base import (
    BaseBenchmark,
    Benchmark,
    CanonicalConfig,
    Evaluation,
    canonical_config,
)
from llmhpo.harness.errors import RegistryUserError, UserError
from llmhpo.registry import Registry

# Adding a family: one module with a BaseBenchmark subclass and one line here (or `register`).
# Entries are import paths, so a family's libraries are imported only when one of its benchmarks is used.
FAMILIES: dict[str, str | type[BaseBenchmark]] = {
    "svm": "llmhpo.harness.benchmarks.ml_models:MLBenchmark",
    "xgb": "llmhpo.harness.benchmarks.ml_models:MLBenchmark",
    "rf": "llmhpo.harness.benchmarks.ml_models:MLBenchmark",
    "lr": "llmhpo.harness.benchmarks.ml_models:MLBenchmark",
    "mlp": "llmhpo.harness.benchmarks.ml_models:MLBenchmark",
    "nn-tab": "llmhpo.harness.benchmarks.tabular:TabularBenchmark",
    "hpolib": "llmhpo.harness.benchmarks.tabular:TabularBenchmark",
    "nas201": "llmhpo.harness.benchmarks.tabular:TabularBenchmark",
    "toy": "llmhpo.harness.benchmarks.toy:ToyBenchmark",
    "hpobench": "llmhpo.harness.benchmarks.hpobench_adapter:HPOBenchBenchmark",
    "hpobench-fixed": "llmhpo.harness.benchmarks.hpobench_adapter:HPOBenchBenchmark",
}
REGISTRY: Registry[BaseBenchmark] = Registry("benchmark family", FAMILIES, BaseBenchmark, error=RegistryUserError,
                                             forbidden="/@", plural="benchmark families")

__all__ = ["BaseBenchmark", "Benchmark", "CanonicalConfig", "Evaluation", "canonical_config", "family_class",
           "load", "names", "parse_name", "register", "unregister", "versions"]


def family_class(family: str) -> type[BaseBenchmark]:
    """The class registered for a family prefix, imported on first use."""
    return REGISTRY.resolve(family)


def register(family: str, target: str | type[BaseBenchmark]) -> None:
    """Add a family at run time: `register("bowl", "my_package.bowl:Bowl")` (same form as FAMILIES) or
    `register("bowl", Bowl)`."""
    REGISTRY.register(family, target)


def unregister(family: str) -> None:
    """Remove a family added by `register` (built-in ones stay)."""
    REGISTRY.unregister(family)


def names() -> list[str]:
    """Every loadable benchmark name (hpobench*/* only once `llmhpo hpobench setup` has run)."""
    out: list[str] = []
    for family in dict((target, family) for family, target in FAMILIES.items()).values():
        out.extend(family_class(family).names())
    return out


def parse_name(name: str) -> tuple[str, dict[str, Any]]:
    """Split `base@k=v,k=v` into the base name and a fidelity dict (numbers parsed)."""
    base, at, suffix = name.strip().partition("@")
    fidelity: dict[str, Any] = {}
    if at and not suffix.strip():
        raise UserError(f"{name!r} ends with '@' but names no fidelity (expected e.g. {base}@n_estimators=100)")
    for item in (s.strip() for s in suffix.split(",")) if at else ():
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UserError(f"bad fidelity override {item!r} in {name!r} (expected key=value)")
        if key.strip() in fidelity:
            raise UserError(f"fidelity {key.strip()!r} is given twice in {name!r}")
        try:
            number = int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            raise UserError(f"fidelity {key.strip()}={value!r} in {name!r} is not a number") from None
        if not math.isfinite(number):
            raise UserError(f"fidelity {key.strip()}={value!r} in {name!r} is not a finite number")
        fidelity[key.strip()] = number
    return base, fidelity


def load(name: str, fidelity: dict[str, Any] | None = None) -> Benchmark:
    """The benchmark called `name`; UserError with close matches when there is none."""
    base, parsed = parse_name(name)
    family = base.split("/", 1)[0]
    if family in FAMILIES:
        try:
            return family_class(family).create(base, {**parsed, **(fidelity or {})} or None)
        except KeyError:
            pass
    close = difflib.get_close_matches(base, names(), n=5, cutoff=0.5)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; run `llmhpo benchmarks` for the list"
    raise UserError(f"unknown benchmark {base!r}{hint}")


def versions(names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Each benchmark's version, as a campaign's manifest records it (`benchmark_versions`): reports
    that merge campaigns refuse to set results of different versions side by side."""
    return {name: str(load(name).version) for name in names}
