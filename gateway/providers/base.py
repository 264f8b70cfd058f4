"""The provider contract: turn a Request into a Response for the models of one family."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gateway.types import Request, Response


@dataclass(frozen=True)
class Capabilities:
    """What a model accepts; checked before a run starts (e.g. mmllm needs images)."""

    images: bool
    response_schema: bool


class Provider(Protocol):
    """One provider family. Instances are created once per process by the registry.

    complete() raises gateway.errors.TransientProviderError for what may succeed on retry
    (429, 5xx, timeouts, resets, malformed bodies), ProviderError for definitive failures and
    ConfigurationError for the caller's mistakes (unknown model, missing key, image to a
    text-only model). It never retries itself: gateway.retry does. `api_key`, when given,
    overrides the environment's key for this call only and is never stored.
    """

    max_concurrency: int

    def complete(self, request: Request, *, timeout_s: float, api_key: str | None = None) -> Response: ...

    def capabilities(self, model: str) -> Capabilities: ...
