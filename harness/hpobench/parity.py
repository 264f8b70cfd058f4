"""Parity of HPOBench (through the worker) with the built-in ML benchmarks on the same configs.

Used by the parity test and by scripts/hpobench_parity.py (docs/HPOBENCH_PARITY.md), so both
compare exactly the same way: the default config plus seeded random configs of the built-in
space, each evaluated with seed 0 by `<model>/<dataset>`, `hpobench-fixed/...` and `hpobench/...`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from llmhpo.harness.benchmarks import load
from llmhpo.harness.benchmarks.hpobench_adapter import PROJECT_MODEL
from llmhpo.harness.benchmarks.ml_data import DATASETS

HPOBENCH_MODEL = {v: k for k, v in PROJECT_MODEL.items()}  # built-in name -> HPOBench's


@dataclass(frozen=True)
class ParityRow:
    model: str
    dataset: str
    config: dict[str, Any]
    builtin: tuple[float, float]  # (validation loss, test loss)
    fixed: tuple[float, float]
    master: tuple[float, float]
    seconds: float

    @property
    def diff(self) -> tuple[float, float]:
        return abs(self.fixed[0] - self.builtin[0]), abs(self.fixed[1] - self.builtin[1])


def names(model: str, dataset: str, fidelity: str = "") -> tuple[str, str, str]:
    suffix = f"@{fidelity}" if fidelity else ""
    hpo = f"{HPOBENCH_MODEL.get(model, model)}/{DATASETS[dataset].task_id}{suffix}"
    return f"{model}/{dataset}{suffix}", f"hpobench-fixed/{hpo}", f"hpobench/{hpo}"


def configs(model: str, dataset: str, n_random: int = 4, seed: int = 0) -> list[dict[str, Any]]:
    space = load(f"{model}/{dataset}").space
    rng = np.random.default_rng(seed)
    return [space.default()] + [space.sample(rng) for _ in range(n_random)]


def compare(model: str, dataset: str, n_random: int = 4, seed: int = 0, fidelity: str = "",
            with_master: bool = True) -> list[ParityRow]:
    builtin, fixed, master = (load(n) for n in names(model, dataset, fidelity))
    rows = []
    for config in configs(model, dataset, n_random, seed):
        t0 = time.perf_counter()
        b, f = builtin.evaluate(config, 0), fixed.evaluate(config, 0)
        m = master.evaluate(config, 0) if with_master else None
        rows.append(ParityRow(model, dataset, builtin.space.canonical(config), (b.loss, b.test_loss or 0.0),
                              (f.loss, f.test_loss or 0.0),
                              (m.loss, m.test_loss or 0.0) if m else (float("nan"), float("nan")),
                              time.perf_counter() - t0))
    return rows
