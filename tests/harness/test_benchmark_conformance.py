"""Every registered benchmark family through `harness.testing.BenchmarkSuite`, on its first listed
member (ML families at their lowest fidelity, which keeps every code path but costs a fraction of
a second), plus the suite's own synthetic task."""

from __future__ import annotations

import pytest

from llmhpo.harness import benchmarks
from llmhpo.harness.testing import SUITE_SPACES, BenchmarkSuite, SyntheticTask

# families that train a model per evaluation, and their lowest fidelity
LOWEST_FIDELITY = {"svm": "@subsample=0.1", "xgb": "@n_estimators=50,subsample=0.1",
                   "rf": "@n_estimators=16,subsample=0.1", "lr": "@iter=10,subsample=0.1",
                   "mlp": "@iter=3,subsample=0.1"}


def representative(family: str) -> str | None:
    name = next((n for n in benchmarks.names() if n.split("/", 1)[0] == family), None)
    return None if name is None else name + LOWEST_FIDELITY.get(family, "")


def family_params() -> list:
    out = []
    for family in benchmarks.FAMILIES:
        name = representative(family)
        marks = []
        if name is None:
            marks.append(pytest.mark.skip(reason=f"family {family!r} lists no benchmark here (optional package missing)"))
        out.append(pytest.param(name, id=family, marks=marks))
    return out


class TestRegisteredFamilies(BenchmarkSuite):
    @pytest.fixture(params=family_params())
    def benchmark(self, request: pytest.FixtureRequest):
        return benchmarks.load(request.param)


class TestSyntheticTask(BenchmarkSuite):
    @pytest.fixture(params=sorted(SUITE_SPACES))
    def benchmark(self, request: pytest.FixtureRequest):
        return SyntheticTask(SUITE_SPACES[request.param])

    @pytest.fixture
    def make_benchmark(self, benchmark):
        return lambda: SyntheticTask(benchmark.space)
