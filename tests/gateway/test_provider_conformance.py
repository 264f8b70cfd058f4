"""Every registered provider prefix through `harness.testing.ProviderSuite`, behind the real
wire-format server it speaks (tests/servers/), with the real litellm client in between."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmhpo.gateway import Gateway
from llmhpo.gateway.providers import PROVIDERS
from llmhpo.gateway.providers.litellm import LiteLLMProvider
from llmhpo.harness.testing import ProviderSuite, WireServer
from tests.servers import RecordingServer

# prefix -> (a model it serves, the fixture of the wire-format server it speaks)
WIRE: dict[str, tuple[str, str]] = {
    "openai": ("openai/gpt-4o-mini", "openai_server"),
    "hosted_vllm": ("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", "openai_server"),
    "anthropic": ("anthropic/claude-3-5-haiku-latest", "anthropic_server"),
    "gemini": ("gemini/gemini-2.0-flash", "gemini_server"),
}
NOT_COVERED = {
    "local": "the embedded model has no wire and no key: tests/local covers it",
    "ollama": "no Ollama wire-format server in tests/servers yet",
    "ollama_chat": "no Ollama wire-format server in tests/servers yet",
}


def test_every_registered_provider_prefix_is_covered_or_excused() -> None:
    assert set(WIRE) | set(NOT_COVERED) == set(PROVIDERS), "a registered provider has no conformance case"
    assert not set(WIRE) & set(NOT_COVERED)


class TestWireProviders(ProviderSuite):
    @pytest.fixture(params=sorted(WIRE))
    def prefix(self, request: pytest.FixtureRequest) -> str:
        return request.param

    @pytest.fixture
    def server(self, prefix: str, request: pytest.FixtureRequest) -> RecordingServer:
        return request.getfixturevalue(WIRE[prefix][1])

    @pytest.fixture
    def model(self, prefix: str) -> str:
        return WIRE[prefix][0]

    @pytest.fixture
    def wire(self, server: RecordingServer) -> WireServer:
        return server.as_wire()

    @pytest.fixture
    def make_gateway(self, prefix: str, server: RecordingServer):
        from llmhpo.harness.testing.providers import SECRET

        def make(cache_dir: Path, mode: str) -> Gateway:
            provider = LiteLLMProvider(api_key=SECRET, api_base=server.url)
            return Gateway(cache_dir, mode=mode, timeout_s=2.0, max_attempts=3, max_total_s=10.0,
                           backoff_s=0.01, max_backoff_s=0.05, providers={prefix: provider})

        return make
