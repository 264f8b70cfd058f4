"""The provider contract: turn a Request into a Response for the models of one family."""

from __future__ import annotations

from typing import Protocol

from llmhpo.gateway.capabilities import Capabilities
from llmhpo.gateway.types import Request, Response

__all__ = ["Capabilities", "Provider"]


class Provider(Protocol):
    """One provider family. Instances are created once per process by the registry.

    complete() raises gateway.errors.TransientProviderError for what may succeed on retry
    (429, 5xx, timeouts, resets, malformed bodies), ProviderError for definitive failures and
    ConfigurationError for the caller's mistakes (unknown model, missing key, image to a
    text-only model). It never retries itself: gateway.retry does.
    """

    max_concurrency: int

    def complete(self, request: Request, *, timeout_s: float, api_key: str | None = None) -> Response:
        """`api_key`, when given, is this call's key: it overrides the environment's."""
        ...

    def capabilities(self, model: str) -> Capabilities: ...
