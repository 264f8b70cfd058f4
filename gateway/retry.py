"""The single retry layer for provider calls (litellm's own retries are switched off).

Only `TransientProviderError` is retried (429, 5xx, timeouts, connection resets, malformed
bodies); anything else (bad request, bad key, unknown model) fails at once. Waits grow
exponentially with jitter, so parallel runs hitting one rate limit do not retry in lock-step; a
server's Retry-After hint replaces the backoff. Attempts and total time are both bounded: when
the next wait would end past `max_total_s` we give up now instead of sleeping for nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from gateway.errors import ConfigurationError, ProviderError, TransientProviderError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds for one logical call: at most `max_attempts` tries within `max_total_s` seconds.

    backoff_s is the first wait; it doubles per attempt up to max_backoff_s, plus up to
    jitter_s of random jitter.
    """

    max_attempts: int = 4
    max_total_s: float = 120.0
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    jitter_s: float = 0.5

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.max_total_s <= 0:
            raise ConfigurationError(f"max_total_s must be > 0, got {self.max_total_s}")
        if min(self.backoff_s, self.max_backoff_s, self.jitter_s) < 0:
            raise ConfigurationError("backoff and jitter must be >= 0")


def _wait(policy: RetryPolicy) -> Callable[[Any], float]:
    """Exponential backoff with jitter, unless the failed attempt carried a Retry-After hint."""
    import tenacity

    backoff = tenacity.wait_exponential(
        multiplier=policy.backoff_s, max=policy.max_backoff_s
    ) + tenacity.wait_random(0, policy.jitter_s)

    def wait(retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        hint = getattr(exc, "retry_after_s", None)
        if hint is not None and hint >= 0:
            return float(hint)
        return float(backoff(retry_state))

    return wait


def call_with_retries(fn: Callable[[], T], policy: RetryPolicy, *, what: str = "provider call") -> T:
    """Run `fn`, retrying transient failures within `policy`.

    Raises the first non-transient error unchanged, or ProviderError("<what> failed after N
    attempts (...): <last error>") once the attempts or the time budget are spent.
    """
    import tenacity  # imports asyncio (~60 ms): only pay for it on a live call

    start = time.monotonic()
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(TransientProviderError),
        stop=tenacity.stop_after_attempt(policy.max_attempts)
        | tenacity.stop_before_delay(policy.max_total_s),
        wait=_wait(policy),
        reraise=False,
    )
    try:
        return retrying(fn)
    except tenacity.RetryError as exhausted:
        last = exhausted.last_attempt.exception()
        attempts = exhausted.last_attempt.attempt_number
        elapsed = time.monotonic() - start
        status = getattr(last, "status", None)
        why = "attempts" if attempts >= policy.max_attempts else f"time budget of {policy.max_total_s:g} s"
        raise ProviderError(
            f"{what} failed after {attempts} attempt{'s' if attempts != 1 else ''} "
            f"({elapsed:.1f} s; out of {why}): {last}",
            status=status,
            attempts=attempts,
        ) from last
