"""Every registered optimizer through `harness.testing.OptimizerSuite`: float, log-float, int,
log-int, categorical, ordinal and fixed parameters; in-space proposals; same seed, same proposals;
crashed trials told; the whole budget run.

Text LLM optimizers replay the real local model `local/smollm2-135m` from
tests/cassettes/test_optimizers_conformance.jsonl (strict REPLAY: any request that differs from
the recording fails; re-record with `scripts/record_cassettes.py --fresh
tests/optimizers/test_optimizers_conformance.py`). The multimodal ones need a vision model, so
they talk to the scripted OpenAI-compatible server, which answers with in-space configs.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from llmhpo.harness import optimizers, revisions
from llmhpo.harness.testing import SUITE_SPACES, OptimizerSuite
from llmhpo.harness.testing.optimizers import CRASH_AT, registered, run
from tests.optimizers.conftest import VISION_MODEL, make_gateway
from tests.servers.base import Behaviour


def classical(name: str) -> bool:
    return not optimizers.uses_llm(name)


def text_llm(name: str) -> bool:
    return optimizers.uses_llm(name) and not optimizers.requires_images(name)


SURROGATE_FITS = {"gp", "rf", "smac-rf", "smac-gp"}  # fit a surrogate per ask: seconds per (optimizer, space), marked slow
SMAC = {"smac-rf", "smac-gp"}  # optional extra [smac]


def test_every_registered_optimizer_is_covered() -> None:
    """The three selections below partition the registry, whatever it holds."""
    kinds = [classical, text_llm, optimizers.requires_images]
    assert all(sum(kind(n) for kind in kinds) == 1 for n in optimizers.names())
    assert all(any(kind(n) for n in optimizers.names()) for kind in kinds)


class TestClassical(OptimizerSuite):
    @pytest.fixture(params=registered(classical, lambda n: [pytest.mark.slow] if n in SURROGATE_FITS else []))
    def make_optimizer(self, request: pytest.FixtureRequest):
        name = request.param
        if name in SMAC:
            pytest.importorskip("smac", reason='SMAC3 not installed (pip install -e ".[smac]")')
        return lambda space, seed, budget, task: optimizers.create(name, space=space, seed=seed, budget=budget, task=task)


@pytest.mark.model
class TestTextLLM(OptimizerSuite):
    """On the "mixed" space (float, log-float, int, log-int, categorical and ordinal at once) and
    the "fixed" one: every kind, in two recordings per optimizer instead of eight."""

    stochastic = False  # temperature 0: the model's proposals do not depend on the seed

    @pytest.fixture(params=["mixed", "fixed"])
    def space(self, request: pytest.FixtureRequest):
        return SUITE_SPACES[request.param]

    @pytest.fixture(params=registered(text_llm))
    def make_optimizer(self, request: pytest.FixtureRequest, cassette_gateway):
        name = request.param
        # the cassette was recorded before revisions existed: replay it with the revisions it ran
        # (proposals revision 2 runs against wire servers: test_optimizers_exact.py, test_repeating_model.py)
        return lambda space, seed, budget, task: optimizers.create(
            name, space=space, seed=seed, budget=budget, task=task, gateway=cassette_gateway,
            revisions=dict(revisions.LEGACY))

    def test_the_recorded_model_proposed(self, make_optimizer, space) -> None:
        proposals = run(make_optimizer, space, seed=3, crash_at=CRASH_AT)  # the recorded run
        asked = [p for p in proposals if p.transcript is not None]
        assert asked, "the LLM proposed nothing"
        assert all(p.transcript["model"] == "local/smollm2-135m" for p in asked)
        assert all(a["reply"] for p in asked for a in p.transcript["attempts"])
        assert any(not p.transcript["fallback"] for p in asked), "every LLM proposal fell back to random"


class TestMultimodalLLM(OptimizerSuite):
    stochastic = False

    @pytest.fixture(params=registered(optimizers.requires_images))
    def make_optimizer(self, request: pytest.FixtureRequest, server, tmp_path):
        name = request.param

        def make(space, seed, budget, task):
            # a vision model that answers with configs drawn from the space (re-asks included)
            rng = np.random.default_rng(seed)
            server.reset()
            server.script(*[Behaviour.ok(json.dumps(space.sample(rng))) for _ in range(3 * budget)])
            gateway = make_gateway(server, tmp_path / "cache")
            request.addfinalizer(gateway.close)
            return optimizers.create(name, space=space, seed=seed, budget=budget, task=task,
                                     model=VISION_MODEL, gateway=gateway)

        return make

    def test_the_model_saw_a_plot_of_the_history(self, make_optimizer, space) -> None:
        proposals = run(make_optimizer, space, seed=3)
        assert proposals[0].transcript["image"] is None
        assert all(p.transcript["image"] for p in proposals[1:])
