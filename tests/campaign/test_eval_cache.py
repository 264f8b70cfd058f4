"""The campaign's evaluation cache split at the executor: look up, evaluate in a real executor, save
when the result comes back; a crash is told but never stored; each mode keeps its rule."""

from __future__ import annotations

import pytest

from llmhpo.cache.errors import CacheMiss
from llmhpo.cache.modes import Mode
from llmhpo.cache.store import CacheStore
from llmhpo.harness.benchmarks.base import Evaluation
from llmhpo.harness.benchmarks.toy import ToyBenchmark
from llmhpo.harness.campaign.eval_cache import EvalCache
from llmhpo.harness.campaign.evaluation import eval_request, request_key
from llmhpo.harness.campaign.executor import SerialExecutor

BENCH = ToyBenchmark("branin", shifted=False)
REQUEST = eval_request(BENCH, {"x1": 1.0, "x2": 2.0}, 0)
KEY = request_key(REQUEST)
CRASH = Evaluation(loss=BENCH.worst_loss, test_loss=None, cost_s=0.0, status="crashed", info={"error": "boom"})


@pytest.fixture
def store(tmp_path):
    s = CacheStore(tmp_path / "cache")
    yield s
    s.close()


def round_trip(cache: EvalCache) -> Evaluation:
    """The driver's steps: lookup, else submit to the executor and save the result when it comes back."""
    found = cache.lookup(KEY, REQUEST)
    if found is not None:
        return found
    executor = SerialExecutor()
    evaluation = Evaluation.from_dict(executor.result(executor.submit(BENCH.name, REQUEST["config"], REQUEST["seed"])))
    executor.close()
    cache.save(KEY, REQUEST, evaluation)
    return evaluation


def test_live_stores_what_comes_back_and_serves_it_next(store):
    cache = EvalCache(store, Mode.LIVE)
    first = round_trip(cache)
    assert store.get_envelope(KEY, "eval")["request"] == REQUEST
    assert cache.lookup(KEY, REQUEST) == first and cache.reads


def test_a_crash_is_never_stored(store):
    for mode in (Mode.LIVE, Mode.RECORD):
        EvalCache(store, mode).save(KEY, REQUEST, CRASH)
    assert store.get(KEY, "eval") is None
    assert EvalCache(store, Mode.LIVE).lookup(KEY, REQUEST) is None  # computed again next time


def test_replay_miss_names_the_evaluation_and_record_overwrites(store):
    with pytest.raises(CacheMiss, match="baseline evaluation"):
        EvalCache(store, Mode.REPLAY).lookup(KEY, REQUEST, "baseline evaluation")
    store.put(KEY, {"loss": 99.0, "test_loss": None, "cost_s": 0.0}, "eval")
    record = EvalCache(store, Mode.RECORD)
    assert record.lookup(KEY, REQUEST) is None  # RECORD always evaluates
    fresh = round_trip(record)
    assert store.get(KEY, "eval")["loss"] == fresh.loss != 99.0
    assert EvalCache(store, Mode.REPLAY).lookup(KEY, REQUEST) == fresh


def test_off_needs_no_store_and_stores_nothing(store):
    assert round_trip(EvalCache(None, Mode.OFF)).status == "ok"
    off = EvalCache(store, Mode.OFF)
    round_trip(off)
    assert store.get(KEY, "eval") is None and not off.reads
