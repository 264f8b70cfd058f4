"""Evaluation cache (namespace "eval") and crash-safe evaluation.

Three separate module-level functions, so the campaign executor can run `safe_evaluate` in worker
processes (benchmarks loaded there by name) and keep keys and cache I/O on the driver:
- `eval_request` / `eval_key`: the fingerprint of (benchmark name, version, canonical config, seed,
  fidelity). The request's config is the trial's one canonicalisation (`canonical_config`): the
  executor, `safe_evaluate` and the benchmark pass it on without checking it again;
- `safe_evaluate`: never raises for a model failure: an exception or a NaN/inf loss becomes an
  Evaluation with status "crashed", the error text and the benchmark's worst loss (an invalid
  config still raises InvalidConfig: that is the caller's bug, not the model's);
- `evaluate_cached`: `cache.modes.lookup`, `safe_evaluate` on a miss, then `cache.modes.record`;
  crashed evaluations (`storable`) are returned but never stored, so a transient failure is retried
  next time instead of replayed.
"""

from __future__ import annotations

import math
import time
from typing import Any

from llmhpo.cache.key import fingerprint
from llmhpo.cache.modes import Mode, Store, lookup, record
from llmhpo.harness.benchmarks.base import Benchmark, Evaluation, ReadOnlyConfig, canonical_config
from llmhpo.harness.errors import InvalidConfig

NAMESPACE = "eval"
MAX_ERROR_CHARS = 500


def eval_request(benchmark: Benchmark, config: dict[str, Any], seed: int) -> dict[str, Any]:
    """The readable, canonical description of one evaluation (stored next to the cached value)."""
    return {
        "benchmark": benchmark.name,
        "version": str(benchmark.version),
        "config": canonical_config(benchmark, config),
        "seed": int(seed),
        "fidelity": dict(benchmark.fidelity),
    }


def request_key(request: dict[str, Any]) -> str:
    """The cache key of an evaluation request (`eval_request`)."""
    return fingerprint(request, namespace=NAMESPACE)


def eval_key(benchmark: Benchmark, config: dict[str, Any], seed: int) -> str:
    """Cache key of one evaluation; raises InvalidConfig for a config outside the space."""
    return request_key(eval_request(benchmark, config, seed))


def _json_safe(obj: Any) -> Any:
    """Info values as JSON: non-finite floats become None, numpy scalars Python numbers."""
    if hasattr(obj, "item") and type(obj).__module__ == "numpy":
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj if obj is None or isinstance(obj, str | int | bool) else repr(obj)


def storable(evaluation: Evaluation) -> bool:
    """Whether an evaluation may be cached: a crash is not, so it is retried next time, not replayed."""
    return evaluation.status == "ok"


def crashed(benchmark: Benchmark, error: str, cost_s: float = 0.0) -> Evaluation:
    """The Evaluation recorded for a failed run: the benchmark's worst loss and the error text."""
    return Evaluation(
        loss=float(benchmark.worst_loss), test_loss=None, cost_s=float(cost_s), status="crashed",
        info={"error": error[:MAX_ERROR_CHARS]},
    )


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def safe_evaluate(benchmark: Benchmark, config: dict[str, Any], seed: int) -> Evaluation:
    """benchmark.evaluate, with model failures turned into a "crashed" Evaluation (the one place
    for exceptions and NaN/inf losses)."""
    config = canonical_config(benchmark, config)  # InvalidConfig propagates; a request's config passes as is
    t0 = time.perf_counter()
    try:
        ev = benchmark.evaluate(config, seed)
    except (InvalidConfig, ReadOnlyConfig):  # the caller's bug or the benchmark's, not the model's
        raise
    except Exception as exc:  # any failure inside a model fit is data, not a harness error
        return crashed(benchmark, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
    if not _finite(ev.loss):
        return crashed(benchmark, f"non-finite loss {ev.loss!r}", ev.cost_s if _finite(ev.cost_s) else 0.0)
    test_loss = float(ev.test_loss) if ev.test_loss is not None and _finite(ev.test_loss) else None
    return Evaluation(
        loss=float(ev.loss), test_loss=test_loss, cost_s=float(ev.cost_s) if _finite(ev.cost_s) else 0.0,
        status=ev.status, info=_json_safe(dict(ev.info)),
    )


def evaluate_cached(
    benchmark: Benchmark, config: dict[str, Any], seed: int, store: Store | None, mode: Mode | str = Mode.LIVE
) -> tuple[Evaluation, bool]:
    """(Evaluation, hit). A hit returns the stored Evaluation without running the benchmark;
    REPLAY raises cache.errors.CacheMiss on a miss; crashes are returned, never stored."""
    request = eval_request(benchmark, config, seed)
    key = request_key(request)
    stored = lookup(store, mode, key, namespace=NAMESPACE, request=request,
                    summary=lambda: f"evaluation of {benchmark.name} (seed {seed}) at {request['config']}")
    if stored is not None:
        return Evaluation.from_dict(stored), True
    ev = safe_evaluate(benchmark, request["config"], seed)
    value = record(store, mode, key, ev.to_dict(), namespace=NAMESPACE, request=request, storable=storable(ev))
    return Evaluation.from_dict(value), False
