"""Fixtures for the optimizer tests: an OpenAI-compatible test server on 127.0.0.1 and a Gateway
that reaches it as `openai/gpt-4o` (a vision model by name, so mmllm can be exercised end to end).

The server returns scripted replies; everything between the optimizer and the socket (gateway,
cache, litellm, HTTP) is the real stack.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tests.servers is imported from the repo root
    sys.path.insert(0, str(ROOT))

from llmhpo.gateway import Gateway  # noqa: E402
from llmhpo.gateway.providers.litellm import LiteLLMProvider  # noqa: E402
from tests.servers import OpenAIServer  # noqa: E402

VISION_MODEL = "openai/gpt-4o"
TEXT_MODEL = "openai/gpt-3.5-turbo"
TEST_KEY = "sk-test-optimizers-0123456789"


@pytest.fixture(autouse=True)
def _no_real_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL", "LLMHPO_CAPABILITIES"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def _server_session() -> Iterator[OpenAIServer]:
    import litellm

    litellm.suppress_debug_info = True
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def server(_server_session: OpenAIServer) -> OpenAIServer:
    _server_session.reset()
    return _server_session


def make_gateway(server: OpenAIServer, cache_dir: Path, mode: str = "live") -> Gateway:
    provider = LiteLLMProvider(api_key=TEST_KEY, api_base=server.url)
    return Gateway(cache_dir, mode=mode, max_attempts=1, providers={"openai": provider})


@pytest.fixture
def server_gateway(server: OpenAIServer, tmp_path: Path) -> Iterator[Gateway]:
    gw = make_gateway(server, tmp_path / "cache")
    yield gw
    gw.close()
