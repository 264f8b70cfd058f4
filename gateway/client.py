"""LLMClient: what an optimizer uses of a gateway, as a Protocol.

Why a protocol and not `Gateway`: an optimizer is handed several things that answer like a gateway
and are not one: the campaign's `Gateway`, `harness.campaign.recorded_attempts.RecordedAttempts` (a re-derived
run's recorded failures answered from its journal), the dry run's `harness.campaign.plan_sim.PlanGateway`
(replies made up locally) and test doubles. They meet here, in one place; anything that builds or
runs an optimizer (`optimizers.create`, `OptimizerPlugin.build`, the spec checks) takes an LLMClient.
What a campaign needs beyond it (the cache mode, providers' concurrency, endpoints, closing) it asks
of the concrete `Gateway` it built or was given.
"""

from __future__ import annotations

from typing import Protocol

from llmhpo.gateway.capabilities import Capabilities
from llmhpo.gateway.types import Request, Response


class LLMClient(Protocol):
    """One LLM call through the record/replay cache, and the two questions asked before it."""

    def complete(self, request: Request, *, api_key: str | None = None) -> Response:
        """The reply to `request` (from the cache or a provider, as the client's mode says); raises
        `gateway.errors.ProviderError` for a failed call (its `fingerprint` names the request)."""
        ...

    def capabilities(self, model: str) -> Capabilities:
        """What `model` accepts (images, response schema, JSON mode, seed, context length)."""
        ...

    def fingerprint(self, request: Request) -> str:
        """The cache key of `request` as `complete` would send it (its transcript's reference)."""
        ...
