"""The random-sample baseline of a campaign (baseline.jsonl): the report bootstraps random search from it.

Why append-only: the bootstrap is only as good as its sample count, and a resume, a re-run or a
larger `baseline_samples` must never lose samples already paid for. Sample i of a benchmark is
always the same config (one seeded stream per benchmark), so only missing indices are evaluated.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from llmhpo.cache.key import fingerprint
from llmhpo.harness.benchmarks import load
from llmhpo.harness.benchmarks.base import Benchmark, Evaluation
from llmhpo.harness.campaign.eval_cache import EvalCache
from llmhpo.harness.campaign.evaluation import eval_request, request_key
from llmhpo.harness.campaign.stopping import Abandoned, Stop

if TYPE_CHECKING:
    from llmhpo.harness.campaign.executor import Executor
    from llmhpo.harness.journal.files import Journal
    from llmhpo.harness.spec.campaign_spec import CampaignSpec


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


def extend_baseline(spec: CampaignSpec, benches: list[Benchmark], journal: Journal, executor: Executor, cache: EvalCache, *,
                    stop: Stop | None = None, progress: Callable[[int, int], None] | None = None) -> None:
    """Journal the baseline samples below `spec.baseline_samples` not journaled yet, for every
    benchmark of the spec (`benches`: those already loaded, the rest are loaded here).

    stop: after a Ctrl-C no new sample starts, running ones are killed (KeyboardInterrupt is raised);
    progress(done, total): called after each sample, `done` counting those journaled before.
    """
    by_name = {b.name: b for b in benches}
    by_name.update({r.benchmark: load(r.benchmark) for r in spec.runs if r.benchmark not in by_name})
    done = done_samples(journal.baseline_rows())
    total = spec.baseline_samples * len(by_name)
    count = sum(len({i for i in have if i < spec.baseline_samples}) for name, have in done.items() if name in by_name)
    if progress is not None:
        progress(count, total)
    for row in missing_samples(spec, by_name, done, executor, cache, stop=stop):
        journal.append_baseline(row)
        count += 1
        if progress is not None:
            progress(count, total)


def missing_samples(
    spec: CampaignSpec, benches: dict[str, Benchmark], done: dict[str, set[int]], executor: Executor, cache: EvalCache, *,
    stop: Stop | None = None,
) -> Iterator[dict[str, Any]]:
    """Rows for the sample indices below `spec.baseline_samples` not in `done`, through the eval cache
    and the executor (strict REPLAY raises on a miss instead of training).

    Why a window of submissions instead of all at once: a stop must find little queued, the
    progress must move, and a serial executor (which evaluates at submit) must yield as it goes.
    """
    stop = stop or Stop()
    window = max(1, 2 * int(executor.capacity or 1))
    queue: deque[tuple[dict[str, Any], str, dict[str, Any], Any]] = deque()
    try:
        for row, key, request, seed in _todo(spec, benches, done):
            stored = cache.lookup(key, request, "baseline evaluation")
            if stored is not None:
                yield {**row, "loss": stored.loss, "test_loss": stored.test_loss}
                continue
            with stop.interruptible(starts_work=True):  # a serial executor evaluates inside submit
                queue.append((row, key, request, executor.submit(row["benchmark"], request["config"], seed)))
            while len(queue) >= window:
                yield from _finished(queue.popleft(), executor, cache, stop)
        while queue:
            yield from _finished(queue.popleft(), executor, cache, stop)
    except Abandoned:
        pass
    if stop.requested:
        executor.terminate()
        raise KeyboardInterrupt


def _todo(spec: CampaignSpec, benches: dict[str, Benchmark], done: dict[str, set[int]]) -> Iterator[tuple[dict[str, Any], str, dict[str, Any], int]]:
    """(row, key, request, seed) of each missing sample, in index order per benchmark."""
    import numpy as np

    for name, bench in benches.items():
        rng = np.random.default_rng([int(fingerprint(name, namespace="baseline")[:8], 16), 0])
        for i in range(spec.baseline_samples):
            config = bench.space.sample(rng)  # drawn even when journaled, so index i keeps its config
            if i in done.get(name, ()):
                continue
            seed = sample_seed(spec.seeds, i)
            request = eval_request(bench, config, seed)
            yield {"benchmark": name, "sample": i, "config": request["config"]}, request_key(request), request, seed


def _finished(item: tuple[dict[str, Any], str, dict[str, Any], Any], executor: Executor, cache: EvalCache,
              stop: Stop) -> Iterator[dict[str, Any]]:
    """Wait for one submitted sample (a stop abandons the wait, not a finished sample); an ok result is
    cached and yielded."""
    row, key, request, handle = item
    while not executor.wait([handle], timeout=0.2):
        if stop.requested:
            raise Abandoned
    ev = Evaluation.from_dict(executor.result(handle))
    cache.save(key, request, ev)  # what the mode writes; never a crash
    if ev.status == "ok":  # a crashed sample is left out of the baseline
        yield {**row, "loss": ev.loss, "test_loss": ev.test_loss}
