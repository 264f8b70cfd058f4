"""Every registered provider prefix (read from the registry, not a list here): the no-server
contract (`ProviderContract`), and `harness.testing.ProviderSuite` behind the real wire-format
server it speaks (tests/servers/), with the real litellm client in between, where this repository
has such a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmhpo.gateway import Gateway
from llmhpo.gateway.providers.litellm import LiteLLMProvider
from llmhpo.harness.testing import ProviderContract, ProviderSuite, WireServer
from llmhpo.harness.testing.providers import FAST_RETRIES, SECRET, registered
from tests.servers import RecordingServer

# the wire-format servers tests/servers has: prefix -> (a model it serves, the server's fixture)
SERVERS: dict[str, tuple[str, str]] = {
    "openai": ("openai/gpt-4o-mini", "openai_server"),
    "hosted_vllm": ("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", "openai_server"),
    "anthropic": ("anthropic/claude-3-5-haiku-latest", "anthropic_server"),
    "gemini": ("gemini/gemini-2.0-flash", "gemini_server"),
}
NO_SERVER = {"local": "the embedded model has no wire and no key: tests/local covers it"}


class TestRegisteredProviders(ProviderContract):
    @pytest.fixture(params=registered())
    def prefix(self, request: pytest.FixtureRequest) -> str:
        return request.param


class TestWireProviders(ProviderSuite):
    @pytest.fixture(params=registered())
    def prefix(self, request: pytest.FixtureRequest) -> str:
        if request.param not in SERVERS:
            pytest.skip(NO_SERVER.get(request.param, f"no {request.param} wire-format server in tests/servers"))
        return request.param

    @pytest.fixture
    def server(self, prefix: str, request: pytest.FixtureRequest) -> RecordingServer:
        return request.getfixturevalue(SERVERS[prefix][1])

    @pytest.fixture
    def model(self, prefix: str) -> str:
        return SERVERS[prefix][0]

    @pytest.fixture
    def wire(self, server: RecordingServer) -> WireServer:
        return server.as_wire()

    @pytest.fixture
    def make_gateway(self, prefix: str, server: RecordingServer):
        def make(cache_dir: Path, mode: str) -> Gateway:
            provider = LiteLLMProvider(api_key=SECRET, api_base=server.url)
            return Gateway(cache_dir, mode=mode, providers={prefix: provider}, **FAST_RETRIES)

        return make
