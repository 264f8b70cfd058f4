"""Conformance: every registered optimizer runs 3 trials on toy/branin, proposes in-space configs
and, given the same seed, the same proposals.

Text LLM optimizers replay the real local model's replies from tests/cassettes (strict REPLAY:
any request that differs from the recording fails); re-record with LLMHPO_RECORD=1. The
multimodal ones need a vision model, so they run against the scripted OpenAI-compatible server
and their second run replays the first run's cache strictly.
"""

from __future__ import annotations

import json

import pytest

from harness import optimizers
from harness.benchmarks import load
from tests.optimizers.conftest import VISION_MODEL, make_gateway
from tests.servers.base import Behaviour

BRANIN = load("toy/branin")
CLASSICAL = [n for n in optimizers.names() if not optimizers.uses_llm(n)]
SMAC = {"smac-rf", "smac-gp"}  # optional extra [smac]
TEXT_LLM = [n for n in optimizers.names() if optimizers.uses_llm(n) and not optimizers.requires_images(n)]
IMAGE_LLM = [n for n in optimizers.names() if optimizers.requires_images(n)]


def three_trials(name: str, seed: int, **kw) -> list:
    opt = optimizers.create(name, task=BRANIN, seed=seed, budget=3, **kw)
    out = []
    for _ in range(3):
        p = opt.ask()
        assert BRANIN.space.contains(p.config), (name, p.config)
        assert isinstance(p.source, str) and p.source
        json.dumps(p.transcript, allow_nan=False)
        out.append(p)
        opt.tell(p.config, BRANIN.evaluate(p.config, seed))
    return out


def test_every_registered_optimizer_is_covered() -> None:
    assert sorted(CLASSICAL + TEXT_LLM + IMAGE_LLM) == sorted(optimizers.names())


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "smac-gp" else n for n in CLASSICAL])
def test_classical(name: str) -> None:
    if name in SMAC:
        pytest.importorskip("smac", reason='SMAC3 not installed (pip install -e ".[smac]")')
    a, b = three_trials(name, seed=4), three_trials(name, seed=4)
    assert [p.config for p in a] == [p.config for p in b]
    assert all(p.transcript is None for p in a)
    assert [p.config for p in three_trials(name, seed=5)] != [p.config for p in a]


@pytest.mark.model
@pytest.mark.parametrize("name", TEXT_LLM)
def test_text_llm_from_recorded_local_model(name: str, cassette_gateway) -> None:
    a = three_trials(name, seed=4, gateway=cassette_gateway)
    b = three_trials(name, seed=4, gateway=cassette_gateway)
    assert [p.config for p in a] == [p.config for p in b]
    assert [p.source for p in a] == [p.source for p in b]
    llm_proposals = [p for p in a if p.transcript is not None]
    assert llm_proposals, "the LLM proposed nothing"
    for p in llm_proposals:
        assert p.transcript["model"] == "local/smollm2-135m"
        assert p.transcript["attempts"] and all("reply" in at for at in p.transcript["attempts"])


@pytest.mark.parametrize("name", IMAGE_LLM)
def test_multimodal_against_a_vision_server(name: str, server, tmp_path) -> None:
    server.script(*[Behaviour.ok(json.dumps({"x1": -4 + 3 * i, "x2": 1 + 4 * i})) for i in range(3)])
    live = make_gateway(server, tmp_path / "cache")
    a = three_trials(name, seed=4, model=VISION_MODEL, gateway=live)
    live.close()
    replay = make_gateway(server, tmp_path / "cache", mode="replay")
    b = three_trials(name, seed=4, model=VISION_MODEL, gateway=replay)
    assert [p.config for p in a] == [p.config for p in b] == [{"x1": -4.0 + 3 * i, "x2": 1.0 + 4 * i} for i in range(3)]
    assert [p.transcript["image"] for p in a] == [p.transcript["image"] for p in b]
    assert a[0].transcript["image"] is None and a[2].transcript["image"]
