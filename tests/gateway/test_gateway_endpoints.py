"""Per-model endpoints: a model's api_base is pinned into its requests (and cache key), its key is
read from the env var the spec names, at call time, and an explicit per-call key wins. No key ever
reaches the cache."""

from __future__ import annotations

import pytest

from llmhpo.gateway import Message, Request
from llmhpo.gateway.endpoints import NO_ENDPOINT, Endpoint, endpoints_from, record_endpoints
from llmhpo.gateway.errors import ConfigurationError

MODEL = "openai/test-model"


def _request(text: str = "hi") -> Request:
    return Request(model=MODEL, messages=(Message.text("user", text),))


def _auth(server) -> str:
    headers = {k.lower(): v for k, v in server.received[-1].headers.items()}
    return headers["authorization"].removeprefix("Bearer ")


def test_endpoint_pins_base_and_reads_the_named_key(openai_server, make_gateway, monkeypatch, cache_path):
    monkeypatch.setenv("MY_TEAM_KEY", "sk-team-key-0123456789abcdef")
    gw = make_gateway(endpoints={MODEL: Endpoint(api_base=openai_server.url, api_key_env="MY_TEAM_KEY")})
    response = gw.complete(_request())
    assert response.text == openai_server.default_text
    assert _auth(openai_server) == "sk-team-key-0123456789abcdef"
    (entry,) = gw.store.entries("llm")
    assert entry["request"]["endpoint"] == openai_server.url
    # an explicit key for one call overrides the named variable
    gw.complete(_request("again"), api_key="sk-explicit-call-key-000000")
    assert _auth(openai_server) == "sk-explicit-call-key-000000"
    raw = b"".join(p.read_bytes() for p in cache_path.rglob("*") if p.is_file())
    assert b"sk-team-key" not in raw and b"sk-explicit" not in raw


def test_unset_key_variable_is_a_configuration_error(openai_server, make_gateway):
    gw = make_gateway(endpoints={MODEL: Endpoint(api_base=openai_server.url, api_key_env="NOT_SET_ANYWHERE")})
    with pytest.raises(ConfigurationError, match="NOT_SET_ANYWHERE"):
        gw.complete(_request())
    assert openai_server.received == []


def test_recorded_endpoints_pin_replay_whatever_the_environment(make_gateway, monkeypatch):
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:1/v1")
    live = make_gateway(mode="off")
    recorded = record_endpoints(live, [MODEL])
    assert recorded == {MODEL: {"api_base": "http://127.0.0.1:1/v1", "api_key_env": None}}
    key_live = live.fingerprint(_request())
    # later, elsewhere: another server in the environment, or none at all
    for env in ("http://10.0.0.9:8000/v1", None):
        if env:
            monkeypatch.setenv("OPENAI_API_BASE", env)
        else:
            monkeypatch.delenv("OPENAI_API_BASE")
        assert make_gateway(mode="off").fingerprint(_request()) != key_live  # the environment decides...
        pinned = make_gateway(mode="off", endpoints=endpoints_from(recorded, pinned=True))
        assert pinned.fingerprint(_request()) == key_live  # ...unless the manifest's endpoint is pinned
    # a model recorded without an endpoint stays without one even if the environment now sets one
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    bare = make_gateway(mode="off").fingerprint(_request())
    monkeypatch.setenv("OPENAI_API_BASE", "http://10.0.0.9:8000/v1")
    none = endpoints_from({MODEL: {"api_base": None}}, pinned=True)
    assert none[MODEL].api_base == NO_ENDPOINT
    assert make_gateway(mode="off", endpoints=none).fingerprint(_request()) == bare


def test_manifest_view_has_no_credentials():
    view = Endpoint(api_base="https://user:secret@host.example:8443/v1/?key=abc", api_key_env="K").public()
    assert view == {"api_base": "https://host.example:8443/v1", "api_key_env": "K"}
