"""Gateway.complete() under each cache mode, bad input, the ledger and the concurrency limits."""

from __future__ import annotations

import dataclasses

import pytest
from gateway_helpers import PNG_1X1, ask, store_keys

from llmhpo.cache import Mode
from llmhpo.cache.errors import CacheMiss
from llmhpo.gateway import Message, Request, TextPart
from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.providers.litellm import LiteLLMProvider
from llmhpo.gateway.types import ImagePart
from tests.servers import Behaviour


def test_live_reads_through_and_hits_cost_nothing(openai_server, make_gateway):
    gw = make_gateway()
    req = ask("openai/gpt-4o", api_base=openai_server.url)
    live = gw.complete(req)
    hit = gw.complete(req)
    assert len(openai_server.received) == 1
    assert not live.cache_hit and hit.cache_hit
    assert hit.text == live.text and hit.usage == live.usage and hit.fingerprint == live.fingerprint
    assert live.cost_usd == pytest.approx((11 * 2.5 + 7 * 10.0) / 1e6)
    assert hit.cost_usd == 0.0 and hit.would_have_cost_usd == live.cost_usd
    ledger = gw.ledger
    assert (ledger.calls, ledger.live_calls, ledger.cache_hits) == (2, 1, 1)
    assert ledger.cost_usd == pytest.approx(live.cost_usd)
    assert ledger.would_have_cost_usd == pytest.approx(2 * live.cost_usd)
    assert ledger.to_dict()["per_model"]["openai/gpt-4o"]["cache_hits"] == 1


def test_replay_hit_and_readable_miss(openai_server, make_gateway):
    make_gateway().complete(ask("openai/test-model", "first", api_base=openai_server.url))
    replay = make_gateway(mode="replay")
    assert replay.complete(ask("openai/test-model", "first", api_base=openai_server.url)).cache_hit
    with pytest.raises(CacheMiss) as info:
        replay.complete(
            ask("openai/test-model", "never recorded", api_base=openai_server.url, seed=5, replicate=2)
        )
    message = str(info.value)
    assert "openai/test-model" in message and "never recorded" in message
    assert "replicate=2" in message and "'seed': 5" in message
    assert info.value.fingerprint in message
    assert len(openai_server.received) == 1


def test_record_overwrites(openai_server, make_gateway, cache_path):
    req = ask("openai/test-model", api_base=openai_server.url)
    make_gateway().complete(req)
    openai_server.script(Behaviour.ok(text="fresher"))
    assert make_gateway(mode=Mode.RECORD).complete(req).text == "fresher"
    assert make_gateway(mode="replay").complete(req).text == "fresher"
    assert len(store_keys(cache_path)) == 1


def test_off_stores_nothing(openai_server, make_gateway, cache_path):
    gw = make_gateway(mode="off")
    req = ask("openai/test-model", api_base=openai_server.url)
    gw.complete(req)
    gw.complete(req)
    assert len(openai_server.received) == 2
    assert not cache_path.exists() or store_keys(cache_path) == []


@pytest.mark.parametrize("server", ["openai_server", "anthropic_server"])
def test_length_replies_are_stored(server, request, make_gateway, cache_path):
    srv = request.getfixturevalue(server)
    srv.script(Behaviour.ok(text="cut", truncated=True))
    model = "openai/test-model" if server == "openai_server" else "anthropic/claude-3-5-haiku-latest"
    req = ask(model, api_base=srv.url, max_tokens=1)
    assert make_gateway().complete(req).finish_reason == "length"
    replayed = make_gateway(mode="replay").complete(req)
    assert (replayed.text, replayed.finish_reason) == ("cut", "length")
    assert len(store_keys(cache_path)) == 1


def test_unknown_prefix_lists_known_ones(make_gateway, cache_path):
    with pytest.raises(ConfigurationError, match=r"unknown provider prefix 'acme'.*anthropic.*local.*openai"):
        make_gateway().complete(ask("acme/model-x"))
    with pytest.raises(ConfigurationError, match="no provider prefix"):
        make_gateway().complete(ask("gpt-4o"))
    assert not cache_path.exists()


def test_missing_key_names_the_env_var(make_gateway):
    gw = make_gateway()
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        gw.complete(ask("openai/gpt-4o"))
    with pytest.raises(ConfigurationError, match="ANTHROPIC_API_KEY"):
        gw.complete(ask("anthropic/claude-3-5-sonnet-latest"))
    with pytest.raises(ConfigurationError, match="GEMINI_API_KEY"):
        gw.complete(ask("gemini/gemini-2.0-flash"))
    with pytest.raises(ConfigurationError, match="HOSTED_VLLM_API_BASE"):
        gw.complete(ask("hosted_vllm/my-model"))


def test_images_to_a_text_only_model_are_refused(openai_server, make_gateway):
    gw = make_gateway(provider=LiteLLMProvider())
    req = Request(
        "openai/text-only-model",
        (Message("user", (TextPart("see"), ImagePart(PNG_1X1))),),
        api_base=openai_server.url,
    )
    with pytest.raises(ConfigurationError, match="'openai/text-only-model' does not accept images"):
        gw.complete(req)
    assert openai_server.received == []
    assert not gw.capabilities("openai/text-only-model").images


def test_credentials_in_extra_are_refused(make_gateway):
    with pytest.raises(ConfigurationError, match="api_key"):
        make_gateway().complete(dataclasses.replace(ask("openai/gpt-4o"), extra={"api_key": "sk-oops"}))


def test_api_base_from_environment_enters_the_key(openai_server, make_gateway, monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", openai_server.url)
    resp = make_gateway().complete(ask("openai/test-model"))
    assert len(openai_server.received) == 1
    same = make_gateway(mode="replay").complete(ask("openai/test-model", api_base=openai_server.url))
    assert same.cache_hit and same.fingerprint == resp.fingerprint
