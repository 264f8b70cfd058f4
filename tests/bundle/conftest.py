"""Campaigns to pack: a small multimodal one against a real OpenAI-wire server, and another campaign
sharing its cache (whose entries must never be packed). The receiver is a subprocess with its own
HOME, XDG folders and empty LLMHPO_CACHE, no provider variables, and sockets that refuse to connect.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from llmhpo.cache.modes import Mode
from llmhpo.cache.store import CacheStore
from llmhpo.harness.spec.campaign_spec import loads_spec
from tests.campaign.helpers import REPO, cli_env
from tests.servers.delay import DelayServer

KEY = "sk-test-bundle-0123456789abcdef"
PUBLISHED = """
name = "pub"
budget = 4
seeds = 1
benchmarks = ["toy/branin"]
baseline_samples = 12
[[optimizers]]
name = "random"
[[optimizers]]
name = "mmllm"
model = "openai/gpt-4o"
"""
OTHER = """
name = "other"
budget = 3
seeds = 1
benchmarks = ["toy/himmelblau-shifted"]
[[optimizers]]
name = "random"
[[optimizers]]
name = "llm"
model = "openai/gpt-4o"
"""
BLOCK_SOCKETS = """
import socket

def _refuse(self, *args, **kwargs):
    raise OSError("network blocked by the bundle tests")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = lambda *a, **k: _refuse(None)
"""


def keys_of(cache: Path) -> set[tuple[str, str]]:
    with CacheStore(cache) as store:
        return {(e["namespace"], e["fingerprint"]) for e in store.entries()}


@pytest.fixture(scope="session")
def campaigns(tmp_path_factory):
    """Both campaigns run live, each into a fresh cache of its own, then merged into one shared cache
    (as a user's default cache would hold them): (tmp, published dir, shared cache, keys of each)."""
    from llmhpo.harness.campaign.run import CampaignContext, run_campaign

    tmp = tmp_path_factory.mktemp("bundle")
    server = DelayServer(delay_s=0.0).start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            for k, v in {"OPENAI_API_KEY": KEY, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                         "OPENAI_API_BASE": server.url + "/v1"}.items():
                mp.setenv(k, v)
            outcomes = {}
            for text in (PUBLISHED, OTHER):
                spec = loads_spec(text)
                outcomes[spec.name] = run_campaign(spec, CampaignContext(out_dir=tmp / "out",
                                                                         cache_dir=tmp / f"cache-{spec.name}",
                                                                         mode=Mode.LIVE, workers=1))
    finally:
        server.stop()
    shared = tmp / "shared-cache"
    with CacheStore(shared) as store:
        for name in outcomes:
            with CacheStore(tmp / f"cache-{name}") as own:
                for envelope in own.entries():
                    store.put_envelope(envelope)
    return tmp, outcomes["pub"].directory, shared, {n: keys_of(tmp / f"cache-{n}") for n in outcomes}


def receiver_env(home: Path) -> dict[str, str]:
    """A machine that never ran anything: fresh HOME and caches, no provider settings, no network."""
    site = home / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(BLOCK_SOCKETS)
    env = {k: v for k, v in cli_env().items() if not k.startswith(("OPENAI", "ANTHROPIC", "GEMINI", "LLMHPO"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), XDG_DATA_HOME=str(home / ".local/share"),
               LLMHPO_CACHE=str(home / "empty-cache"), PYTHONPATH=os.pathsep.join([str(site), str(REPO)]),
               LLMHPO_REPLAY_CHECK_IMPORTS="1")
    return env
