"""Fixtures for the fidelity tests: the three wire-format servers for the whole session, a clean
provider environment, and `point_at_servers` (env vars sending each provider prefix to its server,
as a user would point a campaign at a proxy)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.servers import AnthropicServer, GeminiServer, OpenAIServer  # noqa: E402

PROVIDER_ENV = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "HOSTED_VLLM_API_KEY",
                "OPENAI_API_BASE", "OPENAI_BASE_URL", "ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL", "GEMINI_API_BASE",
                "LLMHPO_CAPABILITIES")
KEYS = {"OPENAI_API_KEY": "sk-test-openai-0123456789", "ANTHROPIC_API_KEY": "sk-ant-test-0123456789",
        "GEMINI_API_KEY": "AIza-test-0123456789"}


@pytest.fixture(autouse=True)
def _clean_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, object]]:
    import litellm

    litellm.suppress_debug_info = True
    made = {"openai": OpenAIServer().start(), "anthropic": AnthropicServer().start(), "gemini": GeminiServer().start()}
    yield made
    for server in made.values():
        server.stop()


@pytest.fixture
def fresh_servers(servers: dict[str, object]) -> dict[str, object]:
    for server in servers.values():
        server.reset()  # type: ignore[attr-defined]
    return servers


def server_env(servers: dict[str, object]) -> dict[str, str]:
    """Each provider prefix sent to its test server, with a key."""
    return {**KEYS, "OPENAI_API_BASE": servers["openai"].url,  # type: ignore[attr-defined]
            "ANTHROPIC_API_BASE": servers["anthropic"].url,  # type: ignore[attr-defined]
            "GEMINI_API_BASE": servers["gemini"].url}  # type: ignore[attr-defined]


@pytest.fixture
def point_at_servers(fresh_servers: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    for name, value in server_env(fresh_servers).items():
        monkeypatch.setenv(name, value)
    return fresh_servers


@pytest.fixture(scope="session")
def litellm_loaded(servers: dict[str, object]) -> object:
    import litellm

    return litellm
