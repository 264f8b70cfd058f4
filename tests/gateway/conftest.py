"""Fixtures for the gateway tests: real wire-format HTTP servers on 127.0.0.1 and a fast Gateway.

litellm takes seconds to import, so it is imported once per session (`litellm_loaded`); the
servers live for the whole session and are reset before each test that uses them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tests.servers is imported as a namespace package from the repo root
    sys.path.insert(0, str(ROOT))

from llmhpo.gateway import Gateway  # noqa: E402
from llmhpo.gateway.providers.litellm import LiteLLMProvider  # noqa: E402
from tests.servers import AnthropicServer, GeminiServer, OpenAIServer  # noqa: E402

KEY_ENV = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "HOSTED_VLLM_API_KEY")
BASE_ENV = (
    "OPENAI_API_BASE",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_BASE",
    "ANTHROPIC_BASE_URL",
    "GEMINI_API_BASE",
)


TEST_MODEL_CAPABILITIES = (
    '{"*/test-model": {"images": true, "response_schema": true}, "anthropic/claude-3*": {"images": true}}'
)


@pytest.fixture(autouse=True)
def _clean_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's real keys or endpoints."""
    for name in (*KEY_ENV, *BASE_ENV, "LLMHPO_CAPABILITIES"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def litellm_loaded() -> object:
    import litellm

    litellm.suppress_debug_info = True
    return litellm


def _server(cls: type) -> Iterator:
    server = cls().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _openai_session() -> Iterator[OpenAIServer]:
    yield from _server(OpenAIServer)


@pytest.fixture(scope="session")
def _anthropic_session() -> Iterator[AnthropicServer]:
    yield from _server(AnthropicServer)


@pytest.fixture(scope="session")
def _gemini_session() -> Iterator[GeminiServer]:
    yield from _server(GeminiServer)


@pytest.fixture
def openai_server(_openai_session: OpenAIServer, litellm_loaded: object) -> OpenAIServer:
    _openai_session.reset()
    return _openai_session


@pytest.fixture
def anthropic_server(_anthropic_session: AnthropicServer, litellm_loaded: object) -> AnthropicServer:
    _anthropic_session.reset()
    return _anthropic_session


@pytest.fixture
def gemini_server(_gemini_session: GeminiServer, litellm_loaded: object) -> GeminiServer:
    _gemini_session.reset()
    return _gemini_session


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "llm-cache"


@pytest.fixture
def make_gateway(cache_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Gateway]]:
    """Gateway factory with small timeouts/backoff so fault tests finish in well under a second.

    `*/test-model` stands for a self-hosted vision model litellm does not know, declared the way a
    user would (LLMHPO_CAPABILITIES); so do the retired Claude 3 names the wire tests use."""
    made: list[Gateway] = []
    monkeypatch.setenv("LLMHPO_CAPABILITIES", TEST_MODEL_CAPABILITIES)

    def make(**kwargs: object) -> Gateway:
        provider = kwargs.pop("provider", None) or LiteLLMProvider()
        defaults: dict[str, object] = {
            "cache_dir": cache_path,
            "timeout_s": 2.0,
            "max_attempts": 3,
            "max_total_s": 10.0,
            "backoff_s": 0.01,
            "max_backoff_s": 0.05,
            "providers": {p: provider for p in ("openai", "anthropic", "gemini", "hosted_vllm")},
        }
        defaults.update(kwargs)
        gw = Gateway(**defaults)  # type: ignore[arg-type]
        made.append(gw)
        return gw

    yield make
    for gw in made:
        gw.close()
