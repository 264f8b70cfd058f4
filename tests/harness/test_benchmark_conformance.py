"""Every registered benchmark family through `harness.testing.BenchmarkSuite` (the registry lists
them: a family added by one registration is checked with nothing to add here), on its first listed
member (ML families at their lowest fidelity, which keeps every code path but costs a fraction of a
second), plus the suite's own synthetic task."""

from __future__ import annotations

import pytest

from llmhpo.harness import benchmarks
from llmhpo.harness.testing import SUITE_SPACES, BenchmarkSuite, SyntheticTask
from llmhpo.harness.testing.benchmarks import registered

# a cheap fidelity for the families that train a model per evaluation (a speed-up, not a list to keep)
LOWEST_FIDELITY = {"svm": "@subsample=0.1", "xgb": "@n_estimators=50,subsample=0.1",
                   "rf": "@n_estimators=16,subsample=0.1", "lr": "@iter=10,subsample=0.1",
                   "mlp": "@iter=3,subsample=0.1"}


class TestRegisteredFamilies(BenchmarkSuite):
    @pytest.fixture(params=registered(LOWEST_FIDELITY))
    def benchmark(self, request: pytest.FixtureRequest):
        return benchmarks.load(request.param)


class TestSyntheticTask(BenchmarkSuite):
    @pytest.fixture(params=sorted(SUITE_SPACES))
    def benchmark(self, request: pytest.FixtureRequest):
        return SyntheticTask(SUITE_SPACES[request.param])

    @pytest.fixture
    def make_benchmark(self, benchmark):
        return lambda: SyntheticTask(benchmark.space)
