"""A toy in-process provider family written the way a plugin would be: one file with a `Provider`
subclass, registered with one `gateway.providers.register("echo", "<module>:EchoProvider")` call
(see test_one_file.py). No server: like an embedded model, it answers inside the process.

`echo/<name>` replies with the last user message (`engine`, a callable `(request, api_key) ->
(status, text)`, is what a real plugin would put its model behind; a test hands it an
`InProcessWire` to script failures). Like every provider it declares what its models accept,
maps failures onto the gateway's error classes by the one list of refused statuses and never
retries itself. `max_concurrency` and `resolve_api_base`: the Provider defaults.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from llmhpo.gateway.capabilities import Capabilities
from llmhpo.gateway.errors import REFUSED_STATUSES, ProviderRefused, TransientProviderError
from llmhpo.gateway.providers.base import Provider
from llmhpo.gateway.types import Request, Response, Usage

Engine = Callable[[Request, "str | None"], tuple[int, str]]


def echo(request: Request, api_key: str | None) -> tuple[int, str]:
    """The built-in engine: the last user message, back."""
    users = [m for m in request.messages if m.role == "user"]
    return 200, users[-1].text_only() if users else ""


class EchoProvider(Provider):
    def __init__(self, engine: Engine = echo, api_key: str | None = None) -> None:
        self.engine = engine
        self._api_key = api_key

    def capabilities(self, model: str) -> Capabilities:
        return Capabilities(images=False, response_schema=False, json_mode=False, seed=True, max_context=2048,
                            source="echo")

    def complete(self, request: Request, *, timeout_s: float, api_key: str | None = None) -> Response:
        start = time.monotonic()
        status, text = self.engine(request, api_key or self._api_key)
        if status in REFUSED_STATUSES:
            raise ProviderRefused(f"{request.model}: refused (status {status}): {text}", status=status)
        if status != 200:
            raise TransientProviderError(f"{request.model}: status {status}: {text}", status=status)
        prompt = sum(len(m.text_only().split()) for m in request.messages)
        return Response(text=text, finish_reason="stop", usage=Usage(max(prompt, 1), max(len(text.split()), 1)),
                        model_served=request.model.partition("/")[2], latency_s=time.monotonic() - start,
                        cost_usd=0.0, would_have_cost_usd=0.0)
