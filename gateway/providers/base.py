"""The provider contract: turn a Request into a Response for the models of one family.

Like optuna's `BaseSampler`: the two required methods are abstract, every optional hook is
declared here with a default that does nothing, and its docstring says when the gateway calls it;
nobody probes a provider with `getattr`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from llmhpo.gateway.capabilities import Capabilities
from llmhpo.gateway.types import Request, Response

__all__ = ["DEFAULT_MAX_CONCURRENCY", "Capabilities", "Provider"]

DEFAULT_MAX_CONCURRENCY = 4  # calls in flight per provider instance when a family does not say


class Provider(ABC):
    """One provider family. Instances are created once per process by the registry (no arguments).

    complete() raises gateway.errors.TransientProviderError for what may succeed on retry
    (429, 5xx, timeouts, resets, malformed bodies), ProviderRefused for what no retry can change
    (gateway.errors.REFUSED_STATUSES), ProviderError for other definitive failures and
    ConfigurationError for the caller's mistakes (unknown model, missing key, image to a text-only
    model). It never retries itself: gateway.retry does.
    """

    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    """How many calls the gateway lets be in flight to this instance at once (a semaphore per
    provider; `Gateway(max_concurrency=)` / `--llm-concurrency` overrides it). Hosted APIs take many
    (litellm: 16), an embedded model as many as it decodes at once (local: its slots)."""

    @abstractmethod
    def complete(self, request: Request, *, timeout_s: float, api_key: str | None = None) -> Response:
        """One reply. `api_key`, when given, is this call's key: it overrides the environment's."""

    @abstractmethod
    def capabilities(self, model: str) -> Capabilities:
        """What `model` accepts (images, response schema, JSON mode, seed, context): the one answer,
        asked through `Gateway.capabilities` (which adds overrides and pins)."""

    def resolve_api_base(self, request: Request) -> str | None:
        """Optional hook: the endpoint `request` will reach when it names none.

        Called by the gateway while preparing a request whose `api_base` is still None after the
        spec's endpoints were applied (the answer becomes part of the cache key's endpoint), and by
        the proxy to refuse an endpoint that is the proxy itself. Default: None, the provider's own
        fixed endpoint (nothing to pin)."""
        return None
