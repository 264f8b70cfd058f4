"""Bad requests, replay misses, routing and the informational endpoints, in each provider's error format."""

from __future__ import annotations

import logging

import openai
import pytest
from proxy_helpers import ANTHROPIC_MODEL, OPENAI_MODEL, get, post

from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.proxy.app import client_key
from llmhpo.gateway.proxy.routing import route_model

HI = [{"role": "user", "content": "Say hi."}]


@pytest.fixture
def proxy(make_proxy, upstream_openai, upstream_anthropic):
    return make_proxy("live", upstreams={"openai": upstream_openai.url, "anthropic": upstream_anthropic.url})


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"model": "gpt-4o"}',
        b'{"model": "gpt-4o", "messages": "hi"}',
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "temperature": NaN}',
    ],
)
def test_malformed_openai_body_is_400_in_openai_format(proxy, upstream_openai, body):
    r = post(f"{proxy.url}/v1/chat/completions", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    assert set(error) == {"message", "type", "param", "code"}
    assert upstream_openai.received == []


def test_malformed_body_through_the_openai_sdk_raises_its_bad_request(proxy):
    client = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="llmhpo", max_retries=0)
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "tool", "content": "x"}])
    assert "messages[0].role" in str(info.value)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{oops", "not valid JSON"),
        (b'{"model": "claude-3-5-sonnet-latest", "messages": []}', "max_tokens"),
        (
            b'{"model": "claude-3-5-sonnet-latest", "max_tokens": 5, "messages": [{"role": "user", "content": '
            b'[{"type": "image", "source": {"type": "url", "url": "https://example.org/a.png"}}]}]}',
            "does not fetch remote images",
        ),
        (b'{"model": "claude-3-5-sonnet-latest", "max_tokens": 5, "messages": [], "tools": []}', "tools"),
    ],
)
def test_malformed_anthropic_body_is_400_in_anthropic_format(proxy, upstream_anthropic, body, needle):
    r = post(f"{proxy.url}/v1/messages", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    payload = r.json()
    assert payload["type"] == "error" and payload["error"]["type"] == "invalid_request_error"
    assert needle in payload["error"]["message"]
    assert upstream_anthropic.received == []


def test_refuses_what_it_cannot_honour_instead_of_dropping_it(proxy):
    def send(**fields):
        return post(
            f"{proxy.url}/v1/chat/completions", json={"model": OPENAI_MODEL, "messages": HI, **fields}
        )

    assert "tools" in send(tools=[{"type": "function"}]).json()["error"]["message"]
    assert send(n=2).json()["error"]["param"] == "n"
    remote = [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x.org/a.png"}}]}
    ]
    r = post(f"{proxy.url}/v1/chat/completions", json={"model": OPENAI_MODEL, "messages": remote})
    assert r.status_code == 400 and "remote images" in r.json()["error"]["message"]
    lying = [
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,aGVsbG8="}}],
        }
    ]
    r = post(f"{proxy.url}/v1/chat/completions", json={"model": OPENAI_MODEL, "messages": lying})
    assert r.status_code == 400 and "not a supported image" in r.json()["error"]["message"]


def test_replay_miss_names_fingerprint_and_request_and_is_logged(make_proxy, cache_dir, caplog):
    caplog.set_level(logging.INFO, logger="llmhpo.proxy")
    proxy = make_proxy("replay", cache_dir=cache_dir)
    body = {"model": OPENAI_MODEL, "messages": [{"role": "user", "content": "never recorded"}], "seed": 3}
    r = post(f"{proxy.url}/v1/chat/completions", json=body)
    assert r.status_code == 404
    error = r.json()["error"]
    fingerprint = error["code"]
    assert error["type"] == "cache_miss" and len(fingerprint) == 64
    assert fingerprint in error["message"] and "openai/gpt-4o" in error["message"]
    assert "never recorded" in error["message"] and "'seed': 3" in error["message"]
    assert "--mode record" in error["message"]
    a = post(
        f"{proxy.url}/v1/messages",
        json={"model": ANTHROPIC_MODEL, "max_tokens": 9, "messages": [{"role": "user", "content": "nope"}]},
    )
    assert (
        a.status_code == 404
        and a.json()["error"]["type"] == "cache_miss"
        and "nope" in a.json()["error"]["message"]
    )
    assert fingerprint in caplog.text and "never recorded" in caplog.text
    stats = get(f"{proxy.url}/stats").json()
    assert (stats["misses"], stats["requests"], stats["live_calls"], stats["mode"]) == (2, 2, 0, "replay")


def test_stats_count_hits_live_calls_and_cost(proxy, upstream_openai):
    for _ in range(3):
        r = post(
            f"{proxy.url}/v1/chat/completions", json={"model": OPENAI_MODEL, "messages": HI, "temperature": 0}
        )
        assert r.status_code == 200
    stats = get(f"{proxy.url}/stats").json()
    live_cost = (11 * 2.5 + 7 * 10.0) / 1e6
    assert (stats["live_calls"], stats["cache_hits"]) == (1, 2)
    assert stats["cost_usd"] == pytest.approx(live_cost)
    assert stats["would_have_cost_usd"] == pytest.approx(3 * live_cost)
    assert stats["per_model"]["openai/gpt-4o"]["calls"] == 3
    assert len(upstream_openai.received) == 1


def test_models_list_in_both_formats(proxy):
    client = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="llmhpo")
    ids = [m.id for m in client.models.list()]
    assert "openai/gpt-4o" in ids and "anthropic/claude-3-5-sonnet" in ids and "local/smollm2-135m" in ids
    r = get(f"{proxy.url}/v1/models", headers={"anthropic-version": "2023-06-01"})
    assert r.json()["data"][0]["type"] == "model" and r.json()["has_more"] is False


def test_proxy_refuses_to_call_itself(make_proxy, monkeypatch):
    proxy = make_proxy("live")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{proxy.url}/v1")
    r = post(f"{proxy.url}/v1/chat/completions", json={"model": OPENAI_MODEL, "messages": HI})
    assert r.status_code == 400 and "would call itself" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("name", "routed"),
    [
        ("gpt-4o", "openai/gpt-4o"),
        ("o3-mini", "openai/o3-mini"),
        ("claude-3-5-sonnet-latest", "anthropic/claude-3-5-sonnet-latest"),
        ("gemini-2.0-flash", "gemini/gemini-2.0-flash"),
        ("smollm2-135m", "local/smollm2-135m"),
        ("openai/my-finetune", "openai/my-finetune"),
        ("hosted_vllm/Qwen/Qwen2.5-7B", "hosted_vllm/Qwen/Qwen2.5-7B"),
    ],
)
def test_routing_rule(name, routed):
    assert route_model(name) == routed


def test_routing_unknown_names():
    with pytest.raises(ConfigurationError, match="--default-prefix"):
        route_model("Qwen/Qwen2.5-7B")
    assert route_model("Qwen/Qwen2.5-7B", "hosted_vllm") == "hosted_vllm/Qwen/Qwen2.5-7B"
    with pytest.raises(ConfigurationError, match="no 'model'"):
        route_model(None)


def test_client_key_from_either_header_and_placeholder_ignored():
    assert client_key({"authorization": "Bearer sk-abc"}) == "sk-abc"
    assert client_key({"x-api-key": "sk-ant-xyz"}) == "sk-ant-xyz"
    assert client_key({"authorization": "Bearer llmhpo"}) is None
    assert client_key({}) is None
