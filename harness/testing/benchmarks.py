"""The benchmark conformance suite: what every benchmark family must do.

Subclass `BenchmarkSuite` and provide the `benchmark` fixture (a fresh `Benchmark`, e.g.
`harness.benchmarks.load(name)`); `make_benchmark` (a callable giving a fresh instance of the same
benchmark) defaults to loading `benchmark.name` from the registry and may be overridden.

    class TestMine(BenchmarkSuite):
        @pytest.fixture
        def benchmark(self):
            return load("mine/small")

Checks: the contract's attributes; a valid space whose default and samples are inside it; the
default config evaluates to a finite loss (or is reported crashed with the worst loss); a
benchmark that says it is deterministic gives the same loss for the same (config, seed), also
from a fresh instance; a config outside the space is refused with `InvalidConfig` naming the
parameter, before anything is trained. For a `BaseBenchmark` subclass (every registered family),
also the base-class contract: an invalid config never reaches `_evaluate`; `_evaluate` receives
the canonical config (parameter order, native values, read-only, marked for this benchmark) from
any valid spelling of it, a config already canonical for this benchmark is not checked again, and
spellings with the same cache key give the same loss.

Every registered family: `@pytest.fixture(params=registered())` then `benchmarks.load(request.param)`
(one representative per family, read from the registry at collection time).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from llmhpo.harness import benchmarks
from llmhpo.harness.benchmarks import load
from llmhpo.harness.benchmarks.base import (
    BaseBenchmark,
    Benchmark,
    CanonicalConfig,
    Evaluation,
    task_description,
)
from llmhpo.harness.campaign.evaluation import eval_key
from llmhpo.harness.errors import InvalidConfig
from llmhpo.harness.revisions import CURRENT, implemented
from llmhpo.harness.space import SearchSpace

N_SAMPLES = 2  # random configs evaluated per benchmark (kept small: some families train models)


def registered(suffix: Mapping[str, str] | None = None) -> list:
    """One pytest param per registered benchmark family (ids = families): its first listed benchmark,
    plus `suffix[family]` (e.g. "@n_estimators=16" for a cheap fidelity); skipped when the family
    lists no benchmark here (an optional package missing)."""
    names = benchmarks.names()
    out = []
    for family in benchmarks.FAMILIES:
        name = next((n for n in names if n.split("/", 1)[0] == family), None)
        marks = [] if name is not None else [pytest.mark.skip(reason=f"family {family!r} lists no benchmark here")]
        out.append(pytest.param(None if name is None else name + (suffix or {}).get(family, ""), id=family,
                                marks=marks))
    return out


def check_evaluation(benchmark: Benchmark, evaluation: Evaluation) -> None:
    """A finite validation loss, or status "crashed" with the benchmark's worst loss."""
    assert isinstance(evaluation, Evaluation), f"evaluate() returned {type(evaluation).__name__}"
    assert evaluation.status in ("ok", "crashed"), evaluation.status
    if evaluation.status == "crashed":
        assert evaluation.loss == benchmark.worst_loss, "a crashed evaluation must carry worst_loss"
    assert math.isfinite(evaluation.loss), f"loss {evaluation.loss!r} is not finite"
    assert evaluation.test_loss is None or math.isfinite(evaluation.test_loss)
    assert math.isfinite(evaluation.cost_s) and evaluation.cost_s >= 0


def out_of_range(space: SearchSpace) -> tuple[str, Any]:
    """A parameter and a value for it that lies outside the space."""
    for p in space.params:
        if p.ranged:
            return p.name, p.hi + (p.hi - p.lo) + 1
    p = space.params[0]
    return p.name, "not-a-choice-of-" + p.name


def messy_spelling(config: dict[str, Any]) -> dict[str, Any]:
    """The same point as an optimizer might propose it: reversed key order, numpy scalars, floats
    one ulp off (the canonical form and the cache key must not change)."""
    out: dict[str, Any] = {}
    for name, value in reversed(list(config.items())):
        if isinstance(value, float):
            value = np.float64(np.nextafter(value, 0.0))
        elif isinstance(value, int) and not isinstance(value, bool):
            value = np.int64(value)
        out[name] = value
    return out


def spy_on_evaluate(monkeypatch: pytest.MonkeyPatch, benchmark: Benchmark) -> list[Any]:
    """The configs `_evaluate` receives from now on (skips the test for a non-BaseBenchmark)."""
    if not isinstance(benchmark, BaseBenchmark):
        pytest.skip(f"{type(benchmark).__name__} is not a BaseBenchmark subclass")
    received: list[Any] = []
    inner = benchmark._evaluate

    def spy(config: Any, seed: int) -> Evaluation:
        received.append(config)
        return inner(config, seed)

    monkeypatch.setattr(benchmark, "_evaluate", spy)
    return received


class BenchmarkSuite:
    """Conformance tests; a subclass provides the `benchmark` fixture."""

    @pytest.fixture
    def benchmark(self) -> Benchmark:
        raise NotImplementedError("provide a benchmark fixture returning a fresh Benchmark")

    @pytest.fixture
    def make_benchmark(self, benchmark: Benchmark) -> Callable[[], Benchmark]:
        return lambda: load(benchmark.name)

    def test_contract_attributes(self, benchmark: Benchmark) -> None:
        assert isinstance(benchmark, Benchmark)
        assert isinstance(benchmark.name, str) and "/" in benchmark.name
        assert isinstance(benchmark.version, str) and benchmark.version
        assert isinstance(benchmark.deterministic, bool)
        assert math.isfinite(benchmark.worst_loss)
        assert isinstance(benchmark.fidelity, dict)
        assert math.isfinite(benchmark.expected_seconds) and benchmark.expected_seconds >= 0
        assert isinstance(benchmark.describe(), str) and benchmark.describe().strip()

    def test_described_under_every_prompts_revision(self, benchmark: Benchmark) -> None:
        """Old campaigns are shown their revision's description (harness/revisions.py); the newest is describe()."""
        for revision in implemented("prompts"):
            assert task_description(benchmark, revision).strip()
        assert task_description(benchmark, CURRENT["prompts"]) == benchmark.describe()

    def test_space_is_valid(self, benchmark: Benchmark) -> None:
        space = benchmark.space
        assert isinstance(space, SearchSpace) and len(space) >= 1
        space.validate(space.default())
        rng = np.random.default_rng(0)
        for _ in range(20):
            space.validate(space.sample(rng))
        assert SearchSpace.from_dict(space.to_dict()) == space, "the space does not survive the manifest round trip"
        assert not set(space.fixed) & set(space.names), "a fixed value shadows a searched parameter"

    def test_default_config_evaluates(self, benchmark: Benchmark) -> None:
        check_evaluation(benchmark, benchmark.evaluate(benchmark.space.default(), 0))

    def test_sampled_configs_evaluate(self, benchmark: Benchmark) -> None:
        rng = np.random.default_rng(1)
        for _ in range(N_SAMPLES):
            check_evaluation(benchmark, benchmark.evaluate(benchmark.space.sample(rng), 1))

    def test_deterministic_per_seed(self, benchmark: Benchmark, make_benchmark: Callable[[], Benchmark]) -> None:
        if not benchmark.deterministic:
            pytest.skip(f"{benchmark.name} declares itself non-deterministic")
        config = benchmark.space.sample(np.random.default_rng(2))
        first = benchmark.evaluate(config, 5)
        assert benchmark.evaluate(config, 5).loss == first.loss
        fresh = make_benchmark()
        assert fresh.name == benchmark.name
        assert fresh.evaluate(config, 5).loss == first.loss, "a fresh instance disagrees on (config, seed)"

    def test_invalid_configs_are_refused_by_name(self, benchmark: Benchmark) -> None:
        space = benchmark.space
        name, bad = out_of_range(space)
        with pytest.raises(InvalidConfig, match=repr(name)):
            benchmark.evaluate({**space.default(), name: bad}, 0)
        with pytest.raises(InvalidConfig, match="not_a_parameter"):
            benchmark.evaluate({**space.default(), "not_a_parameter": 1}, 0)
        missing = space.names[-1]
        with pytest.raises(InvalidConfig, match=repr(missing)):
            benchmark.evaluate({k: v for k, v in space.default().items() if k != missing}, 0)
        with pytest.raises(InvalidConfig):
            benchmark.evaluate([1, 2], 0)  # type: ignore[arg-type]

    def test_invalid_configs_never_reach_evaluate(self, benchmark: Benchmark, monkeypatch: pytest.MonkeyPatch) -> None:
        received = spy_on_evaluate(monkeypatch, benchmark)
        space = benchmark.space
        name, bad = out_of_range(space)
        for config in ({**space.default(), name: bad}, {**space.default(), "not_a_parameter": 1},
                       {k: v for k, v in space.default().items() if k != space.names[0]}, None):
            with pytest.raises(InvalidConfig, match="invalid value for parameter"):
                benchmark.evaluate(config, 0)  # type: ignore[arg-type]
        assert received == [], "an invalid config reached _evaluate"

    def test_evaluate_receives_the_canonical_config(self, benchmark: Benchmark, monkeypatch: pytest.MonkeyPatch) -> None:
        received = spy_on_evaluate(monkeypatch, benchmark)
        space = benchmark.space
        messy = messy_spelling(space.sample(np.random.default_rng(3)))
        benchmark.evaluate(messy, 4)
        got = received[-1]
        assert isinstance(got, CanonicalConfig) and got.benchmark == benchmark.name
        assert got == space.canonical(messy) and tuple(got) == space.names, "not the canonical form"
        assert all(type(v) in (str, int, float, bool, type(None)) for v in got.values()), f"non-native values: {got}"
        with pytest.raises(TypeError, match="read-only"):
            got[space.names[0]] = None
        benchmark.evaluate(got, 4)
        assert received[-1] is got, "a config canonical for this benchmark was canonicalised again"
        foreign = CanonicalConfig(messy, "another/benchmark")
        benchmark.evaluate(foreign, 4)
        assert received[-1] is not foreign and received[-1] == got, "a config marked for another benchmark was trusted"

    def test_same_key_same_loss(self, benchmark: Benchmark) -> None:
        if not benchmark.deterministic:
            pytest.skip(f"{benchmark.name} declares itself non-deterministic")
        config = benchmark.space.sample(np.random.default_rng(6))
        messy = messy_spelling(config)
        assert eval_key(benchmark, messy, 6) == eval_key(benchmark, config, 6)
        assert benchmark.evaluate(messy, 6).loss == benchmark.evaluate(config, 6).loss
