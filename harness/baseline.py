"""The random-sample baseline of a campaign (baseline.jsonl): the report bootstraps random search from it.

Why append-only: the bootstrap is only as good as its sample count, and a resume, a re-run or a
larger `baseline_samples` must never lose samples already paid for. Sample i of a benchmark is
always the same config (one seeded stream per benchmark), so only missing indices are evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llmhpo.cache.key import fingerprint
from llmhpo.harness.benchmarks.base import Benchmark, Evaluation
from llmhpo.harness.eval_cache import EvalCache
from llmhpo.harness.evaluation import eval_request, request_key


def done_samples(rows: list[dict[str, Any]]) -> dict[str, set[int]]:
    """Sample indices already in baseline.jsonl per benchmark (rows of older files, which have no
    index, count in file order)."""
    done: dict[str, set[int]] = {}
    for row in rows:
        have = done.setdefault(str(row.get("benchmark")), set())
        have.add(int(row["sample"]) if row.get("sample") is not None else len(have))
    return done


def sample_seed(seeds: Any, index: int) -> int:
    """The seed baseline sample `index` is evaluated with (the campaign's seeds in turn)."""
    return int(seeds[index % len(seeds)])


def recorded_requests(rows: list[dict[str, Any]], seeds: Any, benches: dict[str, Benchmark]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(eval cache key, request) of every journaled baseline row: what a bundle must carry."""
    seen: dict[str, int] = {}
    for row in rows:
        name = str(row.get("benchmark"))
        index = int(row["sample"]) if row.get("sample") is not None else seen.get(name, 0)
        seen[name] = seen.get(name, 0) + 1
        request = eval_request(benches[name], row["config"], sample_seed(seeds, index))
        yield request_key(request), request


def extend_baseline(spec: Any, benches: list[Benchmark], journal: Any, executor: Any, cache: EvalCache) -> None:
    """Journal the baseline samples below `spec.baseline_samples` not journaled yet, for every
    benchmark of the spec (`benches`: those already loaded, the rest are loaded here)."""
    from llmhpo.harness.benchmarks import load

    by_name = {b.name: b for b in benches}
    by_name.update({r.benchmark: load(r.benchmark) for r in spec.runs if r.benchmark not in by_name})
    for row in missing_samples(spec, by_name, done_samples(journal.baseline_rows()), executor, cache):
        journal.append_baseline(row)


def missing_samples(
    spec: Any, benches: dict[str, Benchmark], done: dict[str, set[int]], executor: Any, cache: EvalCache,
) -> Iterator[dict[str, Any]]:
    """Rows for the sample indices below `spec.baseline_samples` not in `done`, through the eval cache
    and the executor (strict REPLAY raises on a miss instead of training)."""
    import numpy as np

    todo: list[tuple[dict[str, Any], Any]] = []
    for name, bench in benches.items():
        rng = np.random.default_rng([int(fingerprint(name, namespace="baseline")[:8], 16), 0])
        for i in range(spec.baseline_samples):
            config = bench.space.sample(rng)  # drawn even when journaled, so index i keeps its config
            if i in done.get(name, ()):
                continue
            seed = sample_seed(spec.seeds, i)
            request = eval_request(bench, config, seed)
            key = request_key(request)
            row = {"benchmark": name, "sample": i, "config": request["config"]}
            stored = cache.lookup(key, request, "baseline evaluation")
            if stored is not None:
                yield {**row, "loss": stored.loss, "test_loss": stored.test_loss}
            else:
                todo.append((row, (key, request, executor.submit(name, request["config"], seed))))
    for row, (key, request, handle) in todo:
        while not executor.wait([handle], timeout=1.0):
            pass
        ev = Evaluation.from_dict(executor.result(handle))
        if ev.status == "ok":
            cache.save(key, request, ev)
            yield {**row, "loss": ev.loss, "test_loss": ev.test_loss}
