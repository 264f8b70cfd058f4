"""`record_call`: every LLM call an optimizer makes for a proposal, performed and recorded once.

Why one function: an ask's attempts (llm.py) and a tell-time call (hybrid.py's narrowing) must
handle a provider's answer the same way: a refusal (`ProviderRefused`: bad key, unknown model,
unsupported parameter) is never a proposal and propagates (the driver stops the run with it); any
other provider failure (after the gateway's retries) becomes a failed call in the record, keeping
its request's fingerprint and original text so that resume and replay answer it from the journal
(harness/campaign/recorded_attempts.py); an answer records its reply and usage (transcript.usage_fields).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from llmhpo.gateway.errors import ProviderError, ProviderRefused
from llmhpo.gateway.types import Request, Response
from llmhpo.harness.optimizers.transcript import Call

if TYPE_CHECKING:
    from llmhpo.gateway.client import LLMClient

C = TypeVar("C", bound=Call)


def failure_text(exc: ProviderError) -> str:
    """How a transcript records a failed call; a replayed failure keeps its original text."""
    return exc.recorded if exc.recorded is not None else f"{type(exc).__name__}: {exc}"


def record_call(gateway: LLMClient, request: Request, record: C) -> tuple[C, Response | None]:
    """Send `request` through `gateway`; `record` (what the caller records before the call) completed
    with the reply and usage, or with the failure (then the response is None)."""
    try:
        response = gateway.complete(request)
    except ProviderRefused:
        raise  # a refusal is never a proposal: the driver stops this run with the provider's message
    except ProviderError as exc:
        fingerprint = exc.fingerprint or gateway.fingerprint(request)
        return record.failed(failure_text(exc), fingerprint, exc.recorded is not None), None
    return record.succeeded(response), response
