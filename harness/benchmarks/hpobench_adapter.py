"""hpobench/<model>/<task_id>: the real `hpobench` package, when the user has installed it.

HPOBench itself is not a dependency (it pins Python <= 3.10 and needs OpenML online; see
hpobench-facts §4). When it imports, this adapter maps its black-box ("BB") ML benchmark's
ConfigSpace to a SearchSpace (constants become fixed values) and its `objective_function` result
to an Evaluation: loss = function_value, test_loss = info["test_loss"] when reported,
cost_s = cost. The benchmark object is created with rng=seed for each evaluation, so HPOBench's
own stateful rng cannot make results depend on evaluation order.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from harness.benchmarks.base import Evaluation
from harness.errors import UserError
from harness.space import SearchSpace

# model -> (module under hpobench.benchmarks.ml, class name)
MODELS = {
    "svm": ("svm_benchmark", "SVMBenchmarkBB"),
    "xgb": ("xgboost_benchmark", "XGBoostBenchmarkBB"),
    "rf": ("rf_benchmark", "RandomForestBenchmarkBB"),
    "lr": ("lr_benchmark", "LRBenchmarkBB"),
    "nn": ("nn_benchmark", "NNBenchmarkBB"),
}
TASK_IDS = (10101, 53, 146818, 146821, 9952, 146822, 31, 3917)


@functools.lru_cache(maxsize=1)
def available() -> bool:
    try:
        importlib.import_module("hpobench")
    except Exception:  # any import failure means "not usable here"
        return False
    return True


def _cls(model: str) -> Any:
    module, cls = MODELS[model]
    return getattr(importlib.import_module(f"hpobench.benchmarks.ml.{module}"), cls)


class HPOBenchAdapter:
    version = "1"
    deterministic = True
    worst_loss = 1.0
    expected_seconds = 30.0

    def __init__(self, model: str, task_id: int, fidelity: dict[str, Any] | None = None) -> None:
        self.model, self.task_id = model, task_id
        self.name = f"hpobench/{model}/{task_id}"
        self.fidelity = dict(fidelity or {})
        bench = _cls(model)(task_id=task_id, rng=1)
        self.space = SearchSpace.from_configspace(bench.get_configuration_space(seed=1))

    def describe(self) -> str:
        return f"HPOBench's {self.model} benchmark on OpenML task {self.task_id}. The loss is 1 - validation accuracy."

    def evaluate(self, config: dict[str, Any], seed: int) -> Evaluation:
        config = {**self.space.fixed, **self.space.canonical(config)}
        bench = _cls(self.model)(task_id=self.task_id, rng=seed)
        result = bench.objective_function(config, fidelity=self.fidelity or None, rng=seed)
        info = dict(result.get("info") or {})
        test = info.get("test_loss")
        return Evaluation(
            loss=float(result["function_value"]), test_loss=None if test is None else float(test),
            cost_s=float(result.get("cost", 0.0)), status="ok",
            info={k: v for k, v in info.items() if isinstance(v, int | float | str)},
        )


def names() -> list[str]:
    return [f"hpobench/{m}/{t}" for m in MODELS for t in TASK_IDS] if available() else []


def create(name: str, fidelity: dict[str, Any] | None = None) -> HPOBenchAdapter:
    parts = name.split("/")
    if len(parts) != 3 or parts[0] != "hpobench" or parts[1] not in MODELS or not parts[2].isdigit():
        raise KeyError(name)
    if not available():
        raise UserError(
            f"{name} needs the `hpobench` package, which is not importable here; install HPOBench yourself "
            "(pip install --ignore-requires-python <HPOBench checkout>) or use the bundled svm|xgb|rf|lr|mlp/<dataset>"
        )
    return HPOBenchAdapter(parts[1], int(parts[2]), fidelity)
