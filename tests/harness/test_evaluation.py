"""Evaluation cache (namespace "eval") and crash handling, on a real CacheStore; plus the CLI."""

from __future__ import annotations

import json
import math

import pytest

from llmhpo.cache.errors import CacheMiss
from llmhpo.cache.modes import Mode
from llmhpo.cache.store import CacheStore
from llmhpo.harness.benchmarks import load
from llmhpo.harness.benchmarks.base import Evaluation
from llmhpo.harness.benchmarks.toy import ToyBenchmark
from llmhpo.harness.campaign.evaluation import eval_key, evaluate_cached, safe_evaluate
from llmhpo.harness.cli import main
from llmhpo.harness.errors import InvalidConfig


class Counting(ToyBenchmark):
    """A real toy benchmark that counts evaluate() calls and can be told to fail."""

    def __init__(self, fail: str | None = None) -> None:
        super().__init__("branin", shifted=False)
        self.calls = 0
        self.fail = fail

    def evaluate(self, config, seed):
        self.calls += 1
        if self.fail == "raise":
            raise RuntimeError("model fit diverged")
        if self.fail == "nan":
            return Evaluation(loss=math.nan, test_loss=None, cost_s=0.1)
        return super().evaluate(config, seed)


@pytest.fixture
def store(tmp_path):
    s = CacheStore(tmp_path / "cache")
    yield s
    s.close()


CFG = {"x1": 1.0, "x2": 2.0}


def test_hit_returns_identical_evaluation_without_running(store):
    bench = Counting()
    first, hit1 = evaluate_cached(bench, CFG, 0, store, Mode.LIVE)
    second, hit2 = evaluate_cached(bench, {"x2": 2.0, "x1": 1.0000000000000002}, 0, store, Mode.LIVE)
    assert (hit1, hit2) == (False, True)
    assert bench.calls == 1
    assert second == first and second.to_dict() == first.to_dict()


def test_hit_on_a_real_ml_benchmark_skips_the_fit(store):
    bench = load("svm/blood-transfusion")
    first, _ = evaluate_cached(bench, bench.space.default(), 0, store, "live")
    fresh = load("svm/blood-transfusion")
    fresh.spec = None  # any attempt to build a model would now fail
    second, hit = evaluate_cached(fresh, fresh.space.default(), 0, store, "live")
    assert hit and second == first


def test_key_covers_seed_fidelity_version_and_config():
    bench = Counting()
    base = eval_key(bench, CFG, 0)
    assert eval_key(bench, dict(CFG), 0) == base
    assert eval_key(bench, CFG, 1) != base
    assert eval_key(bench, {"x1": 1.5, "x2": 2.0}, 0) != base
    other = Counting()
    other.version = "2"
    assert eval_key(other, CFG, 0) != base
    assert eval_key(load("xgb/car@n_estimators=100"), load("xgb/car").space.default(), 0) != eval_key(
        load("xgb/car"), load("xgb/car").space.default(), 0)


@pytest.mark.parametrize(("fail", "fragment"), [("raise", "RuntimeError: model fit diverged"), ("nan", "non-finite")])
def test_crashes_are_returned_with_worst_loss_and_never_cached(store, fail, fragment):
    bench = Counting(fail=fail)
    ev, hit = evaluate_cached(bench, CFG, 0, store, Mode.LIVE)
    assert ev.status == "crashed" and fragment in ev.info["error"] and not hit
    assert ev.loss == bench.worst_loss and math.isfinite(ev.loss)
    evaluate_cached(bench, CFG, 0, store, Mode.LIVE)
    assert bench.calls == 2  # not served from the cache
    with pytest.raises(CacheMiss):
        evaluate_cached(bench, CFG, 0, store, Mode.REPLAY)


def test_safe_evaluate_still_rejects_invalid_configs():
    with pytest.raises(InvalidConfig) as info:
        safe_evaluate(Counting(), {"x1": 50.0, "x2": 1.0}, 0)
    assert info.value.param == "x1"


def test_replay_miss_names_the_evaluation(store):
    with pytest.raises(CacheMiss, match="toy/branin"):
        evaluate_cached(Counting(), CFG, 0, store, Mode.REPLAY)


def test_replay_hit_and_record_and_off(store):
    bench = Counting()
    evaluate_cached(bench, CFG, 0, store, Mode.RECORD)
    evaluate_cached(bench, CFG, 0, store, Mode.RECORD)
    assert bench.calls == 2
    ev, hit = evaluate_cached(bench, CFG, 0, store, Mode.REPLAY)
    assert hit and bench.calls == 2
    evaluate_cached(bench, {"x1": 3.0, "x2": 3.0}, 0, None, Mode.OFF)
    with pytest.raises(CacheMiss):
        evaluate_cached(bench, {"x1": 3.0, "x2": 3.0}, 0, store, Mode.REPLAY)
    envelope = next(e for e in store.entries("eval"))
    assert envelope["request"]["benchmark"] == "toy/branin" and envelope["request"]["config"] == CFG


def test_cli_eval_and_cache_hit(tmp_path, capsys):
    args = ["eval", "toy/himmelblau-shifted", "--seed", "3", "--cache", str(tmp_path / "c"),
            "--config", '{"x1": 3, "x2": "2"}', "--repair"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["config"] == {"x1": 3.0, "x2": 2.0} and out["repairs"] and not out["cache_hit"]
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["cache_hit"] and again["evaluation"] == out["evaluation"]


def test_cli_errors_exit_2(capsys):
    assert main(["eval", "svm/credit_g", "--mode", "off"]) == 2
    assert "did you mean" in capsys.readouterr().err
    assert main(["eval", "toy/branin", "--mode", "off", "--config", '{"x1": 99, "x2": 1}']) == 2
    assert "'x1'" in capsys.readouterr().err
    assert main(["eval", "toy/branin", "--mode", "off", "--config", "{x1"]) == 2


def test_cli_lists_benchmarks(capsys):
    assert main(["benchmarks", "toy/", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 12 and rows[0]["params"] == 2 and rows[0]["configs"] is None
    assert main(["benchmarks", "nas201"]) == 0
    assert "15625 configs" in capsys.readouterr().out
