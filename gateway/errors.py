"""Gateway errors: user mistakes (ConfigurationError) versus provider failures (ProviderError)."""

from __future__ import annotations

# HTTP statuses that no retry or re-ask can change: a provider raises ProviderRefused for them (the run
# stops with the message); every other error status is transient. The one list (providers, the
# conformance suite and the test servers use it).
REFUSED_STATUSES = frozenset({400, 401, 403, 404, 413, 422})


class GatewayError(Exception):
    """Base class for gateway problems."""


class ConfigurationError(GatewayError):
    """The caller's fault: unknown model or prefix, missing API key, unreadable image, text-only model
    given an image. Never retried; CLI exit code 2."""


class ProviderError(GatewayError):
    """The provider failed (after retries where the error was transient). Nothing is cached.

    `fingerprint` / `recorded` are set only on a failure answered from a run's journal (the harness's
    RecordedFailure): the request's fingerprint and the transcript's original error text; None for
    a live failure (the caller then fingerprints the request itself)."""

    fingerprint: str | None = None
    recorded: str | None = None

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        self.status = status
        self.attempts = attempts
        super().__init__(message)


class TransientProviderError(ProviderError):
    """429 / 5xx / timeout / connection reset / malformed body: retried by gateway.retry.

    `retry_after_s` carries a server's Retry-After hint when it sent one.
    """

    def __init__(self, message: str, *, status: int | None = None, retry_after_s: float | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message, status=status)


class ProviderRefused(ProviderError):
    """The provider refused the request (REFUSED_STATUSES: unsupported parameter, bad key, unknown
    model, context too long): neither a retry nor a re-ask can help, so the run stops with this message."""
