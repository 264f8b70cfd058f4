"""`Gateway.complete(request, api_key=...)` (ARCHITECTURE.md, "Request fingerprint"): an explicit key
for one call overrides the environment's, reaches the provider, and never the cache key or the cache."""

from __future__ import annotations

from gateway_helpers import ask

ENV_KEY = "sk-ENVIRONMENT-KEY-1111111111"
CALL_KEY = "sk-EXPLICIT-CALL-KEY-2222222222"


def test_explicit_key_overrides_environment_and_is_not_keyed(
    openai_server, anthropic_server, make_gateway, cache_path, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    gw = make_gateway()
    request = ask("openai/gpt-4o", "key test", api_base=openai_server.url)
    live = gw.complete(request, api_key=CALL_KEY)
    assert openai_server.received[-1].headers["Authorization"] == f"Bearer {CALL_KEY}"
    hit = gw.complete(request)  # same key without api_key, or with another: the key is not in the fingerprint
    assert hit.cache_hit and hit.fingerprint == live.fingerprint == gw.fingerprint(request)
    assert gw.complete(request, api_key="sk-another-key-333333333").cache_hit
    gw.complete(ask("openai/gpt-4o", "env", api_base=openai_server.url))
    assert openai_server.received[-1].headers["Authorization"] == f"Bearer {ENV_KEY}"
    gw.complete(ask("anthropic/claude-3-5-sonnet-latest", api_base=anthropic_server.url), api_key=CALL_KEY)
    assert anthropic_server.received[-1].headers["x-api-key"] == CALL_KEY
    gw.close()
    written = b"".join(p.read_bytes() for p in cache_path.rglob("*") if p.is_file())
    assert CALL_KEY.encode() not in written and ENV_KEY.encode() not in written
