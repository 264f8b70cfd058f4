"""The HPOBench worker: run by the HPOBench environment's python, never imported by llmhpo's process.

One JSON request per line on stdin, one JSON reply per line on stdout (the protocol fd is a dup
of the original stdout; fd 1 is pointed at stderr so library prints cannot corrupt it). Only the
standard library and HPOBench's own environment are used here: this file runs under Python and
library versions of HPOBench's era (ConfigSpace 0.6, scikit-learn 1.2, xgboost 1.3).

Requests: {"op": "hello"} | {"op": "space", "model"} | {"op": "load", "model", "task_id"} | |
{"op": "evaluate", "model", "task_id", "config", "fidelity", "seed", "fixed"} | {"op": "exit"}.
Replies: {"ok": true, ...} or {"ok": false, "error": "<one line>"}.

"fixed" switches off master's two known quirks from outside, without editing HPOBench: the
module global `eval = "valid"` makes `_train_objective`'s `if eval == "valid"` true, so the
validation model trains on train only (test still trains on train+valid), and row subsampling
draws without replacement, seeded by the evaluation seed, and keeps every row in order at 1.0.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import warnings
from pathlib import Path

# The multi-multi-fidelity classes: the "BB" variants fix every fidelity as a Constant, so they
# would refuse an override; at the fidelity space's defaults (its maxima) both give the same result.
MODELS = {
    "svm": ("svm_benchmark", "SVMBenchmark"),
    "xgb": ("xgboost_benchmark", "XGBoostBenchmark"),
    "rf": ("rf_benchmark", "RandomForestBenchmark"),
    "lr": ("lr_benchmark", "LRBenchmark"),
    "nn": ("nn_benchmark", "NNBenchmark"),
}

SPACE_JSON = Path(__file__).resolve().parents[1] / "space_json.py"
_benchmarks: dict = {}


@functools.cache
def _space_json():
    """harness/space_json.py, loaded by path: the project itself is not importable in this environment."""
    spec = importlib.util.spec_from_file_location("llmhpo_space_json", SPACE_JSON)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _native(v):
    return _space_json().native(v)


def _class(model: str):
    module, cls = MODELS[model]
    return getattr(importlib.import_module(f"hpobench.benchmarks.ml.{module}"), cls)


def _bench(model: str, task_id: int):
    key = (model, task_id)
    if key not in _benchmarks:
        _benchmarks[key] = _class(model)(task_id=task_id, rng=1)
    return _benchmarks[key]


class _RowSampler:
    """Stands in for a benchmark's `self.rng` during a fixed evaluation: row subsampling without
    replacement (all rows, in order, at fraction 1.0); every other use goes to the real RandomState."""

    def __init__(self, rng, seed: int) -> None:
        import numpy as np

        self._rng, self._gen = rng, np.random.default_rng(seed)

    def choice(self, a, size=None, replace=True, p=None):
        import numpy as np

        n = len(a)
        if size == n:
            return np.asarray(a)
        return np.asarray(a)[self._gen.choice(n, size=size, replace=False)]

    def __getattr__(self, name):
        return getattr(self._rng, name)


DROPPED_INFO = ("train_scores", "train_costs", "val_costs", "test_costs", "config")  # zeros, timings, echo


def _scalars(info: dict) -> dict:
    out = {}
    for k, v in info.items():
        if k in DROPPED_INFO:
            continue
        if isinstance(v, dict):
            for k2, v2 in v.items():
                if isinstance(v2, (int, float, str, bool)) or hasattr(v2, "item"):
                    out[f"{k}.{k2}"] = _native(v2)
        elif isinstance(v, (int, float, str, bool)) or hasattr(v, "item"):
            out[k] = _native(v)
    return out


def evaluate(req: dict) -> dict:
    import numpy as np
    from hpobench.dependencies.ml import ml_benchmark_template as template

    bench = _bench(req["model"], int(req["task_id"]))
    seed = int(req["seed"])
    config, fidelity = req["config"], req.get("fidelity") or None
    # A fresh benchmark built with rng=seed has exactly this state; reusing the data saves the load.
    bench.rng, bench.seed = np.random.RandomState(seed), seed
    t0 = time.perf_counter()
    if not req.get("fixed"):
        result = bench.objective_function(config, fidelity=fidelity, rng=seed)
        info = result["info"]
        return {"loss": float(result["function_value"]), "test_loss": float(info["test_loss"]),
                "cost_s": float(result["cost"]), "wall_s": time.perf_counter() - t0, "info": _scalars(info)}
    real_rng = bench.rng
    try:
        bench.rng = _RowSampler(real_rng, seed)
        template.eval = "valid"  # shadows the builtin that `if eval == "valid"` compares
        valid = bench.objective_function(config, fidelity=fidelity, rng=seed)
        del template.eval
        bench.rng = _RowSampler(real_rng, seed)
        test = bench.objective_function_test(config, fidelity=fidelity, rng=seed)
    finally:
        template.__dict__.pop("eval", None)
        bench.rng = real_rng
    info = {**_scalars(valid["info"]), "test_cost_s": float(test["cost"])}
    info["test_loss"] = float(test["function_value"])
    return {"loss": float(valid["function_value"]), "test_loss": float(test["function_value"]),
            "cost_s": float(valid["cost"]), "wall_s": time.perf_counter() - t0, "info": info}


def space(req: dict) -> dict:
    """The model's configuration and fidelity spaces (they do not depend on the task)."""
    cls, to_json = _class(req["model"]), _space_json().configspace_to_json
    return {"space": to_json(cls.get_configuration_space(seed=1)),
            "fidelity_space": to_json(_static_fidelity_space(cls))}


def _static_fidelity_space(cls):
    try:
        return cls.get_fidelity_space(seed=1)
    except TypeError:  # LRBenchmark's get_fidelity_space is an instance method on master
        return cls.get_fidelity_space(None, seed=1)


def hello(req: dict) -> dict:
    import ConfigSpace
    import hpobench
    import numpy
    import sklearn

    return {"python": sys.version.split()[0], "hpobench": hpobench.__version__, "numpy": numpy.__version__,
            "sklearn": sklearn.__version__, "ConfigSpace": ConfigSpace.__version__, "pid": os.getpid()}


def load(req: dict) -> dict:
    """Load the task's data now (so `load` in the project fails early, with the worker's message)."""
    bench = _bench(req["model"], int(req["task_id"]))
    return {"n_train": int(len(bench.train_y)), "n_valid": int(len(bench.valid_y)), "n_test": int(len(bench.test_y)),
            "n_classes": int(bench.n_classes)}


OPS = {"hello": hello, "space": space, "load": load, "evaluate": evaluate}


def _exit_with_parent(parent: int) -> None:
    """A client killed mid-evaluation must not leave its worker training on: end when orphaned."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def main() -> int:
    # The client passes its pid: it may already be gone by the time this line runs.
    parent = int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid()
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    warnings.simplefilter("ignore")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if req.get("op") == "exit":
                break
            reply = {"ok": True, **OPS[req["op"]](req)}
        except Exception as exc:  # every failure goes back as one line; the worker lives on
            traceback.print_exc(file=sys.stderr)
            msg = f"{type(exc).__name__}: {exc}".replace("\n", " ")
            reply = {"ok": False, "error": msg[:2000]}
        proto.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
