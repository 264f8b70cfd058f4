"""optuna's own sampler conformance suite run against `harness.optuna_sampler.LLMSampler`.

`BasicSamplerTestCase`, `RelativeSamplerTestCase` and `SingleOnlySamplerTestCase` come unchanged
from `optuna.testing.pytest_samplers`; the sampler behind them is the real LLM optimizer on the
embedded model `local/smollm2-135m`, replaying its recorded replies from
tests/cassettes/test_optuna_sampler_suite.jsonl strictly (re-record with
`scripts/record_cassettes.py --fresh tests/optimizers/test_optuna_sampler_suite.py`).

One case cannot replay: `test_trial_relative_params` with `n_jobs=2` runs trials in two threads,
so which trials have finished when the LLM is asked (and so the prompt) depends on timing. It
runs the embedded model live instead (marked slow).
"""

from __future__ import annotations

from collections.abc import Callable

import optuna
import pytest
from optuna.testing.pytest_samplers import (
    BasicSamplerTestCase,
    RelativeSamplerTestCase,
    SingleOnlySamplerTestCase,
)

from llmhpo.gateway import Gateway
from llmhpo.harness.optuna_sampler import LLMSampler

optuna.logging.set_verbosity(optuna.logging.WARNING)
pytestmark = pytest.mark.model


class TestLLMSampler(BasicSamplerTestCase, RelativeSamplerTestCase, SingleOnlySamplerTestCase):
    @pytest.fixture
    def sampler(self, request: pytest.FixtureRequest, tmp_path) -> Callable[[], LLMSampler]:
        if getattr(request.node, "callspec", None) and request.node.callspec.params.get("n_jobs") == 2:
            gateway = Gateway(tmp_path / "live-cache", mode="live")
            request.addfinalizer(gateway.close)
        else:
            gateway = request.getfixturevalue("cassette_gateway")
        return lambda: LLMSampler(gateway=gateway, seed=0)

    @pytest.mark.parametrize("n_jobs", [1, pytest.param(2, marks=pytest.mark.slow)])
    def test_trial_relative_params(self, n_jobs: int, sampler: Callable[[], LLMSampler]) -> None:
        """optuna's test unchanged; redeclared only to mark its threaded case slow."""
        super().test_trial_relative_params(n_jobs, sampler)
