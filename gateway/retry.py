"""The single retry layer for provider calls (litellm's own retries are switched off).

Only `TransientProviderError` is retried (429, 5xx, timeouts, connection resets, malformed
bodies); anything else (bad request, bad key, unknown model) fails at once. Waits grow
exponentially with jitter, so parallel runs hitting one rate limit do not retry in lock-step; a
server's Retry-After hint replaces the backoff. Attempts and total time are both bounded: when
the next wait would end past `max_total_s` we give up now instead of sleeping for nothing.

Rate limits belong to a provider, not to one call: with many runs in flight, a 429 seen by one call
puts the whole provider on hold (`SharedBackoff`) for its Retry-After (else the first backoff),
so the other calls wait it out instead of each hammering the server and collecting their own 429.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from llmhpo.gateway.errors import ConfigurationError, ProviderError, TransientProviderError

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


class SharedBackoff:
    """One provider's pause, shared by every call to it: no attempt starts before `until`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0  # time.monotonic() before which no attempt may start
        self.holds = 0  # how many times a 429 put the provider on hold (for tests and progress)

    def hold(self, seconds: float) -> None:
        """Hold every call back for `seconds` from now (a longer hold already in place wins)."""
        with self._lock:
            self._until = max(self._until, time.monotonic() + max(0.0, seconds))
            self.holds += 1

    def remaining_s(self) -> float:
        with self._lock:
            return max(0.0, self._until - time.monotonic())

    def wait(self, deadline: float, what: str) -> None:
        """Sleep until the hold ends; a hold ending past `deadline` fails the attempt now."""
        while (left := self.remaining_s()) > 0:
            if time.monotonic() + left > deadline:
                raise TransientProviderError(
                    f"{what}: provider rate-limited for another {left:.1f} s, past this call's time budget",
                    status=429,
                )
            time.sleep(left)


def _shared(fn: Callable[[], T], backoff: SharedBackoff, policy: RetryPolicy, deadline: float, what: str) -> Callable[[], T]:
    """`fn` behind the provider's shared hold; a 429 it meets puts the provider on hold."""

    def attempt() -> T:
        backoff.wait(deadline, what)
        try:
            return fn()
        except TransientProviderError as exc:
            if exc.status == 429:
                hint = exc.retry_after_s
                backoff.hold(hint if hint is not None and hint >= 0 else policy.backoff_s)
            raise

    return attempt


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


def call_with_retries(
    fn: Callable[[], T], policy: RetryPolicy, *, what: str = "provider call", backoff: SharedBackoff | None = None,
) -> T:
    """Run `fn`, retrying transient failures within `policy` (behind `backoff`, the provider's
    shared hold, when given).

    Raises the first non-transient error unchanged, or ProviderError("<what> failed after N
    attempts (...): <last error>") once the attempts or the time budget are spent.
    """
    import tenacity  # imports asyncio (~60 ms): only pay for it on a live call

    start = time.monotonic()
    if backoff is not None:
        fn = _shared(fn, backoff, policy, start + policy.max_total_s, what)
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
