"""Follow a run's journaled record: recorded failed attempts are answered from it, never re-asked.

Why: an LLM call that failed live (provider error after retries, empty reply, odd finish reason)
is never cached, by design, so that no later run is served a failure. But it is part of the run's
history: the optimizer re-asked because of it, and the trial's config depends on that. When the
driver re-derives a journaled run (resume after a kill, strict replay) it therefore gives the run's
optimizer this wrapper around the campaign gateway. It holds the run's own recorded attempts, in
order, queued per request fingerprint; a call whose next recorded attempt failed gets that failure
back (a `RecordedFailure`, or the recorded empty reply), every other call goes to the real gateway
(a recorded success is a cache hit there). Calls past the record go live as usual, and new runs
never get a wrapper, so a failure is only ever replayed to the run that saw it.

A refusal (`ProviderRefused`) is not an attempt: it stops the run and is never replayed.
State is per run (one wrapper per run), so runs may be driven from different threads.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from typing import Any

from llmhpo.cache.modes import Mode
from llmhpo.cache.store import CacheStore
from llmhpo.gateway.capabilities import Capabilities
from llmhpo.gateway.errors import ProviderError
from llmhpo.gateway.gateway import Gateway, Ledger, storable
from llmhpo.gateway.providers.base import Provider
from llmhpo.gateway.types import Request, Response, Usage
from llmhpo.harness.optimizers.transcript import Call, Transcript

_NOT_REPLAYABLE = ("ProviderRefused", "ConfigurationError")


class RecordedFailure(ProviderError):
    """A failed attempt answered from the journal; `recorded` is the transcript's error text."""

    def __init__(self, recorded: str, fingerprint: str) -> None:
        self.recorded = recorded
        self.fingerprint = fingerprint
        super().__init__(f"(from the journal) {recorded}")


def attempts(transcript: Transcript | Mapping[str, Any]) -> Iterable[Call]:
    """A trial's LLM calls in the order they were made: the proposal's attempts, then the calls made
    when its result was told (llm-tpe narrowing, `tell_calls`)."""
    return Transcript.of(transcript).calls()


class RecordedAttempts:
    """A gateway for one re-derived run: recorded failures from the record, the rest from `inner`.

    What an optimizer uses of a gateway is declared here and forwarded to `inner`: `capabilities`,
    `fingerprint`, `provider`, `ledger`, `mode`, `store`; `complete` follows the record."""

    def __init__(self, inner: Gateway, transcripts: Mapping[int, Transcript | Mapping[str, Any]]) -> None:
        self.inner = inner
        self._queues: dict[str, deque[Call]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.answered = 0  # failed attempts answered from the record (for tests and summaries)
        for index in sorted(transcripts):
            for attempt in attempts(transcripts[index]):
                fp = attempt.fingerprint
                if isinstance(fp, str) and fp:
                    self._queues[fp].append(attempt)

    @property
    def pending(self) -> int:
        """Recorded attempts not yet reached by the re-derivation."""
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    def capabilities(self, model: str) -> Capabilities:
        return self.inner.capabilities(model)

    def fingerprint(self, request: Request) -> str:
        return self.inner.fingerprint(request)

    def provider(self, model: str) -> Provider:
        return self.inner.provider(model)

    @property
    def ledger(self) -> Ledger:
        return self.inner.ledger

    @property
    def mode(self) -> Mode:
        return self.inner.mode

    @property
    def store(self) -> CacheStore | None:
        return self.inner.store

    def _next(self, fp: str) -> Call | None:
        with self._lock:
            queue = self._queues.get(fp)
            return queue.popleft() if queue else None

    def complete(self, request: Request, *, api_key: str | None = None) -> Response:
        fp = self.inner.fingerprint(request)
        attempt = self._next(fp)
        if attempt is not None:
            error = attempt.error
            if error and not str(error).startswith(_NOT_REPLAYABLE):
                self.answered += 1
                raise RecordedFailure(str(error), fp)
            reply = attempt.reply
            if not error and isinstance(reply, str) and not storable(reply, attempt.finish_reason):
                self.answered += 1
                return self._recorded_reply(request, attempt, fp)
        return self.inner.complete(request, api_key=api_key) if api_key else self.inner.complete(request)

    def _recorded_reply(self, request: Request, attempt: Call, fp: str) -> Response:
        """The recorded unstorable reply, as a free cache hit (it is counted like one)."""
        usage = attempt.usage
        assert attempt.reply is not None
        response = Response(
            text=attempt.reply, finish_reason=attempt.finish_reason,
            usage=Usage(int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0)) if usage else Usage(0, 0),
            model_served=request.model.partition("/")[2],  # a call record has no served model
            latency_s=0.0, cost_usd=0.0, would_have_cost_usd=attempt.would_have_cost_usd,
            cache_hit=True, fingerprint=fp,
        )
        self.inner.ledger.record(request.model, response)
        return response
