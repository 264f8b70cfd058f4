"""Faults from a real server: transient ones are retried within bounds, the rest fail at once,
and a failed call never leaves a cache entry."""

from __future__ import annotations

import pytest
from gateway_helpers import ask, store_keys

from llmhpo.gateway.errors import ProviderError, ProviderRefused
from tests.servers import Behaviour


def test_429_retry_after_is_honoured(openai_server, make_gateway, cache_path):
    openai_server.script(Behaviour.error(429, Retry_After="0.4"))
    resp = make_gateway(backoff_s=0.0).complete(ask("openai/test-model", api_base=openai_server.url))
    assert resp.text == "hello from the test server"
    first, second = openai_server.received
    assert second.at - first.at >= 0.4  # waited as told, not the (zero) backoff
    assert len(store_keys(cache_path)) == 1  # the eventual success is stored


def test_500_then_success(openai_server, make_gateway):
    openai_server.script(Behaviour.error(500), Behaviour.error(503))
    resp = make_gateway().complete(ask("openai/test-model", api_base=openai_server.url))
    assert resp.text == "hello from the test server"
    assert len(openai_server.received) == 3


@pytest.mark.parametrize(
    "fault",
    [
        Behaviour.error(500),
        Behaviour.error(429, Retry_After="0"),
        Behaviour.invalid_json(),
        Behaviour.reset(),
    ],
    ids=["500", "429", "invalid-json", "connection-reset"],
)
def test_transient_faults_exhaust_attempts_and_store_nothing(openai_server, make_gateway, cache_path, fault):
    openai_server.script(*[fault] * 5)
    gw = make_gateway(max_attempts=3)
    with pytest.raises(ProviderError, match=r"failed after 3 attempts") as info:
        gw.complete(ask("openai/test-model", api_base=openai_server.url))
    assert info.value.attempts == 3
    assert len(openai_server.received) == 3
    assert store_keys(cache_path) == []
    assert gw.ledger.calls == 0


def test_hanging_reply_times_out_and_is_retried(openai_server, make_gateway, cache_path):
    openai_server.script(Behaviour.hang(1.5), Behaviour.hang(1.5))
    gw = make_gateway(timeout_s=0.3, max_attempts=2)
    with pytest.raises(ProviderError, match=r"after 2 attempts.*(?i:time)"):
        gw.complete(ask("openai/test-model", api_base=openai_server.url))
    assert len(openai_server.received) == 2
    assert store_keys(cache_path) == []


def test_retry_after_beyond_budget_gives_up_without_sleeping(openai_server, make_gateway, cache_path):
    openai_server.script(Behaviour.error(429, Retry_After="30"))
    gw = make_gateway(max_total_s=2.0)
    with pytest.raises(ProviderError, match="time budget of 2 s"):
        gw.complete(ask("openai/test-model", api_base=openai_server.url))
    assert len(openai_server.received) == 1
    assert store_keys(cache_path) == []


def test_401_fails_at_once_naming_the_key_variable(openai_server, make_gateway, cache_path):
    openai_server.script(Behaviour.error(401))
    with pytest.raises(ProviderRefused, match="OPENAI_API_KEY"):
        make_gateway().complete(ask("openai/test-model", api_base=openai_server.url))
    assert len(openai_server.received) == 1
    assert store_keys(cache_path) == []


def test_403_fails_at_once(anthropic_server, make_gateway):
    anthropic_server.script(Behaviour.error(403))
    with pytest.raises(ProviderRefused, match="ANTHROPIC_API_KEY"):
        make_gateway().complete(ask("anthropic/claude-3-5-haiku-latest", api_base=anthropic_server.url))
    assert len(anthropic_server.received) == 1


def test_400_is_a_provider_refusal_at_once(openai_server, make_gateway):
    openai_server.script(Behaviour.error(400))
    with pytest.raises(ProviderRefused) as info:
        make_gateway().complete(ask("openai/test-model", api_base=openai_server.url))
    assert info.value.status == 400 and info.value.attempts == 1
    assert len(openai_server.received) == 1


def test_404_unknown_model_is_a_provider_refusal(openai_server, make_gateway):
    openai_server.script(Behaviour.error(404))
    with pytest.raises(ProviderRefused, match="unknown model 'openai/no-such-model'"):
        make_gateway().complete(ask("openai/no-such-model", api_base=openai_server.url))
    assert len(openai_server.received) == 1


def test_empty_reply_is_returned_but_never_stored(openai_server, make_gateway, cache_path):
    openai_server.script(Behaviour.ok(text=""))
    gw = make_gateway()
    resp = gw.complete(ask("openai/test-model", api_base=openai_server.url))
    assert resp.text == "" and not resp.cache_hit
    assert store_keys(cache_path) == []
    again = gw.complete(ask("openai/test-model", api_base=openai_server.url))
    assert again.text == "hello from the test server" and not again.cache_hit
    assert len(store_keys(cache_path)) == 1
