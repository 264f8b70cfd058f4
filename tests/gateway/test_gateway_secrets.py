"""API keys planted in the environment, in constructor arguments and in an endpoint URL never reach
the cache directory, an exported cassette, error messages or logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from gateway_helpers import ask, image_request

from llmhpo.cache.cassette import export_cassette
from llmhpo.cache.store import CacheStore
from llmhpo.gateway.errors import ProviderRefused
from llmhpo.gateway.providers.litellm import LiteLLMProvider
from tests.servers import Behaviour

ENV_SECRET = "sk-PLANTED-SECRET-123"
ARG_SECRET = "sk-PLANTED-ARGUMENT-456"
URL_SECRET = "PLANTED-URL-PASSWORD-789"
SECRETS = (ENV_SECRET, ARG_SECRET, URL_SECRET)


def _every_byte(directory: Path) -> bytes:
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert files, f"nothing written under {directory}"
    return b"".join(p.read_bytes() for p in files)


def test_planted_keys_never_written(
    openai_server, anthropic_server, make_gateway, cache_path, tmp_path, monkeypatch, caplog, capsys
):
    caplog.set_level(
        logging.INFO
    )  # litellm DEBUG logs echo api_base verbatim: third-party debugging, off by default
    monkeypatch.setenv("OPENAI_API_KEY", ENV_SECRET)
    openai_gw = make_gateway(provider=LiteLLMProvider())
    anthropic_gw = make_gateway(provider=LiteLLMProvider(api_key=ARG_SECRET))

    openai_gw.complete(image_request("openai/test-model", openai_server.url, seed=1))
    userinfo_url = openai_server.url.replace("http://", f"http://user:{URL_SECRET}@")
    openai_gw.complete(ask("openai/gpt-4o", api_base=userinfo_url))
    anthropic_gw.complete(image_request("anthropic/claude-3-5-sonnet-latest", anthropic_server.url))

    # The keys really were used on the wire...
    auth = [r.headers.get("Authorization", "") for r in openai_server.received]
    assert f"Bearer {ENV_SECRET}" in auth
    assert anthropic_server.received[0].headers.get("x-api-key") == ARG_SECRET
    # ...and a 401 that echoes the key comes back scrubbed.
    anthropic_server.script(Behaviour.error(401))
    with pytest.raises(ProviderRefused) as info:
        anthropic_gw.complete(
            ask("anthropic/claude-3-5-haiku-latest", "other", api_base=anthropic_server.url)
        )
    assert "rejected the API key" in str(info.value) and ARG_SECRET not in str(info.value)

    with CacheStore(cache_path) as store:
        assert len(list(store.entries("llm"))) == 3
        cassette = tmp_path / "llm.jsonl"
        export_cassette(store, cassette)
    written = _every_byte(cache_path) + cassette.read_bytes()
    out, err = capsys.readouterr()
    logged = (caplog.text + out + err).encode()
    for secret in SECRETS:
        assert secret.encode() not in written, f"{secret} leaked into the cache"
        assert secret.encode() not in logged, f"{secret} leaked into logs"
    assert b"127.0.0.1" in written  # the endpoint itself is recorded (without credentials)
