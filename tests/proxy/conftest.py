"""Fixtures for the proxy tests: fresh wire-format upstream servers and proxies on 127.0.0.1.

Each test gets its own upstream servers, so "replay with the upstream stopped" really stops them.
The models are ones that accept everything the tests send (images, seed, response_format):
openai/gpt-4o and anthropic/claude-sonnet-4-5.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from llmhpo.gateway import Gateway  # noqa: E402
from llmhpo.gateway.proxy import start_proxy  # noqa: E402
from llmhpo.gateway.proxy.server import BackgroundProxy  # noqa: E402
from tests.gateway.conftest import _clean_provider_env, litellm_loaded  # noqa: E402,F401
from tests.servers import AnthropicServer, OpenAIServer  # noqa: E402


@pytest.fixture
def upstream_openai(litellm_loaded: object) -> Iterator[OpenAIServer]:  # noqa: F811
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def upstream_anthropic(litellm_loaded: object) -> Iterator[AnthropicServer]:  # noqa: F811
    server = AnthropicServer().start()
    yield server
    server.stop()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "proxy-cache"


@pytest.fixture
def make_proxy(cache_dir: Path) -> Iterator[Callable[..., BackgroundProxy]]:
    """Start a proxy: make_proxy(mode, upstreams={"openai": url}, cache_dir=...)."""
    started: list[tuple[BackgroundProxy, Gateway]] = []

    def make(
        mode: str = "record", *, upstreams: dict[str, str] | None = None, **options: object
    ) -> BackgroundProxy:
        directory = options.pop("cache_dir", cache_dir)
        gateway = Gateway(cache_dir=directory, mode=mode, timeout_s=30.0, max_attempts=2, backoff_s=0.01)
        proxy = start_proxy(gateway, upstreams=upstreams or {}, **options)
        started.append((proxy, gateway))
        return proxy

    yield make
    for proxy, gateway in started:
        proxy.stop()
        gateway.close()


def pytest_configure(config: pytest.Config) -> None:
    """The plugin tests drive inner pytest runs with `pytester` (pytest's own plugin for that)."""
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
