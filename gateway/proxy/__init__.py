"""`llmhpo proxy`: OpenAI- and Anthropic-compatible HTTP endpoints over the Gateway and its cache.

One module per concern: `routing` (model names), `openai_wire` / `anthropic_wire` (the two wire
formats), `app` (the Starlette routes), `server` (uvicorn, binding). Any client that speaks one of
the two formats (official SDKs, litellm, LangChain) gets llmhpo's record/replay by changing its
base URL. Starlette loads only when this package is imported.
"""

from __future__ import annotations

from typing import Any

from llmhpo.gateway.gateway import Gateway
from llmhpo.gateway.proxy.routing import route_model
from llmhpo.gateway.proxy.server import BackgroundProxy

__all__ = ["make_app", "route_model", "start_proxy"]


def make_app(
    gateway: Gateway,
    *,
    default_prefix: str | None = None,
    upstreams: dict[str, str] | None = None,
    address: tuple[str, int] | None = None,
) -> Any:
    """The Starlette app serving `gateway` (its state is `app.state.proxy`)."""
    from llmhpo.gateway.proxy.app import ProxyState, build_app

    return build_app(ProxyState(gateway, default_prefix, dict(upstreams or {}), address))


def start_proxy(gateway: Gateway, *, host: str = "127.0.0.1", port: int = 0, **options: Any) -> Any:
    """A started BackgroundProxy for `gateway` (stop() it, or use it as a context manager)."""
    proxy = BackgroundProxy(make_app(gateway, **options), host, port)
    proxy.app.state.proxy.address = proxy.address
    return proxy.start()
