"""The only place where the cache meets the providers: lookup -> call with retries -> record.

What is stored: a reply with non-empty text and finish_reason "stop" or "length". A "length"
reply is truncated by the request's own max_tokens, so it is the deterministic outcome of that
request and a strict replay must reproduce it; errors, empty replies and other finish reasons
(content filter, tool calls, missing) are returned to the caller once but never recorded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmhpo.cache import Mode, Store, default_dir, fingerprint, lookup, record
from llmhpo.gateway.capabilities import Capabilities, env_overrides
from llmhpo.gateway.endpoints import Endpoint
from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.providers import prefix_of, provider_for
from llmhpo.gateway.providers.base import Provider
from llmhpo.gateway.retry import RetryPolicy, SharedBackoff, call_with_retries
from llmhpo.gateway.types import ImagePart, Request, Response

if TYPE_CHECKING:  # diskcache loads only when a call needs it
    from llmhpo.cache.store import CacheStore

DEFAULT_MODEL = "local/smollm2-135m"
STORED_FINISH_REASONS = frozenset({"stop", "length"})
# Request.extra is part of the cache key: credentials must never be smuggled in through it.
_CREDENTIAL_NAME = re.compile(r"key|secret|passw|auth|header|credential|access_token", re.IGNORECASE)


@dataclass
class Tally:
    """Counts for one model (or all models): calls, hits, tokens, money spent and saved."""

    calls: int = 0
    live_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    would_have_cost_usd: float = 0.0
    unpriced_calls: int = 0  # calls (live or hit) whose live price is unknown: totals are lower bounds

    def add(self, response: Response) -> None:
        self.calls += 1
        self.cache_hits += response.cache_hit
        self.live_calls += not response.cache_hit
        self.prompt_tokens += response.usage.prompt_tokens
        self.completion_tokens += response.usage.completion_tokens
        if response.would_have_cost_usd is None:
            self.unpriced_calls += 1
        else:
            self.would_have_cost_usd += response.would_have_cost_usd
        if response.cost_usd is not None:
            self.cost_usd += response.cost_usd


@dataclass
class Ledger(Tally):
    """Totals over every call of a Gateway, plus one Tally per model; safe to update from threads."""

    per_model: dict[str, Tally] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, model: str, response: Response) -> None:
        with self._lock:
            self.add(response)
            self.per_model.setdefault(model, Tally()).add(response)

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            total = {f.name: getattr(self, f.name) for f in dataclasses.fields(Tally)}
            total["per_model"] = {m: dataclasses.asdict(t) for m, t in sorted(self.per_model.items())}
            return total


def storable(text: str, finish_reason: str | None) -> bool:
    """Whether a reply is recorded (and so can be replayed from the cache): see the module docstring."""
    return bool(text.strip()) and finish_reason in STORED_FINISH_REASONS


def check_sampling(temperature: float, top_p: float | None) -> None:
    """Sampling parameters every provider accepts; NaN or infinity would reach the cache key."""
    if not isinstance(temperature, int | float) or not math.isfinite(temperature) or temperature < 0:
        raise ConfigurationError(f"temperature must be a finite number >= 0, got {temperature!r}")
    if top_p is not None and (not isinstance(top_p, int | float) or not math.isfinite(top_p) or not 0 < top_p <= 1):
        raise ConfigurationError(f"top_p must be in (0, 1], got {top_p!r}")


class Gateway:
    """Request -> Response through the record/replay cache, with retries and concurrency limits.

    cache_dir: a directory, an open store (a CacheStore or a `cache.Store` around one), or None for
    `cache.default_dir()`.
    timeout_s bounds one attempt; max_attempts and max_total_s bound one logical call.
    providers: optional {prefix: Provider} overriding the registry (e.g. a provider with an
    explicit api_key); other prefixes come from gateway.providers.
    endpoints: optional {model: Endpoint}: the api_base pinned for that model's requests that name
    none, and the environment variable its key is read from at call time (gateway/endpoints.py).
    max_concurrency: calls in flight per provider (`--llm-concurrency`), else each provider's own.
    """

    def __init__(
        self,
        cache_dir: str | Path | Store | None = None,
        mode: Mode | str = Mode.LIVE,
        timeout_s: float = 60.0,
        max_attempts: int = 4,
        max_total_s: float = 120.0,
        *,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        providers: dict[str, Provider] | None = None,
        capabilities: Mapping[str, Capabilities | Mapping[str, Any]] | None = None,
        endpoints: Mapping[str, Endpoint] | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        self.mode = Mode.parse(mode)
        if max_concurrency is not None and max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be >= 1, got {max_concurrency}")
        self.max_concurrency = max_concurrency  # calls in flight per provider; None: the provider's own limit
        if not timeout_s > 0:
            raise ConfigurationError(f"timeout_s must be > 0, got {timeout_s}")
        self.timeout_s = float(timeout_s)
        self.retry = RetryPolicy(
            max_attempts=max_attempts,
            max_total_s=max_total_s,
            backoff_s=backoff_s,
            max_backoff_s=max_backoff_s,
            jitter_s=backoff_s,
        )
        self._providers = dict(providers or {})
        # per model: a full Capabilities pins the answer (replay: the manifest's), a mapping overrides fields
        self._capability_settings = dict(capabilities or {})
        self._capabilities: dict[str, Capabilities] = {}
        self.endpoints: dict[str, Endpoint] = dict(endpoints or {})
        self._cache_path: str | os.PathLike[str] | None = None
        self._store: Store | None = None
        if cache_dir is None or isinstance(cache_dir, str | os.PathLike):
            self._cache_path = cache_dir
        else:  # anything that is not a path is an open store (the caller's: not closed here)
            self._store = cache_dir
        self._owned: CacheStore | None = None  # the store opened here (and closed by `close`)
        self.ledger = Ledger()
        self._lock = threading.Lock()
        self._sync_limits: dict[int, threading.BoundedSemaphore] = {}
        self._backoffs: dict[tuple[str, str | None], SharedBackoff] = {}
        self._flights: dict[str, tuple[threading.Lock, int]] = {}

    # -- plumbing --------------------------------------------------------------------------------
    @property
    def store(self) -> Store | None:
        """The cache store (opened on first use); None in OFF mode without an explicit store."""
        if self._store is None and self.mode is not Mode.OFF:
            with self._lock:
                if self._store is None:
                    from llmhpo.cache.store import CacheStore

                    path = default_dir() if self._cache_path is None else Path(self._cache_path)
                    self._store = self._owned = CacheStore(path)
        return self._store

    def provider(self, model: str) -> Provider:
        """The provider serving `model`; ConfigurationError for an unknown prefix."""
        prefix = prefix_of(model)
        return self._providers.get(prefix) or provider_for(model)

    def capabilities(self, model: str) -> Capabilities:
        """The one answer about what `model` accepts: pinned, else the provider's (litellm's model map
        for hosted models), then LLMHPO_CAPABILITIES, then this gateway's per-model overrides."""
        with self._lock:
            known = self._capabilities.get(model)
        if known is not None:
            return known
        setting = self._capability_settings.get(model)
        if isinstance(setting, Capabilities):
            caps = setting
        else:
            caps = self.provider(model).capabilities(model)
            caps = caps.with_overrides(env_overrides(model), "env")
            caps = caps.with_overrides(dict(setting or {}), "spec")
        with self._lock:
            self._capabilities[model] = caps
        return caps

    def _sync_limit(self, provider: Provider) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._sync_limits.get(id(provider))
            if sem is None:
                sem = self._sync_limits[id(provider)] = threading.BoundedSemaphore(self.limit_of(provider))
            return sem

    def limit_of(self, provider: Provider) -> int:
        """How many calls to `provider` may be in flight at once."""
        return self.max_concurrency or provider.max_concurrency

    @contextlib.contextmanager
    def _single_flight(self, key: str) -> Iterator[None]:
        """In LIVE mode, identical requests in flight at once (two runs asking the same first
        question) make one provider call: the others wait and then read it from the cache, as
        they would have in a serial campaign, instead of paying for it again."""
        if self.mode is not Mode.LIVE:
            yield
            return
        with self._lock:
            lock, users = self._flights.get(key, (threading.Lock(), 0))
            self._flights[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._lock:
                lock, users = self._flights[key]
                if users == 1:
                    del self._flights[key]
                else:
                    self._flights[key] = (lock, users - 1)

    def backoff(self, request: Request) -> SharedBackoff:
        """The shared 429 hold of the provider serving `request` (one per prefix and endpoint)."""
        key = (prefix_of(request.model), request.api_base)
        with self._lock:
            return self._backoffs.setdefault(key, SharedBackoff())

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = self._store = None

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calls -----------------------------------------------------------------------------------
    def prepare(self, request: Request) -> tuple[Request, Provider]:
        """Check `request` before anything else happens and pin its endpoint into the key."""
        provider = self.provider(request.model)
        bad = sorted(k for k in request.extra if _CREDENTIAL_NAME.search(k))
        if bad:
            raise ConfigurationError(
                f"Request.extra must not carry credentials ({', '.join(bad)}): it is part of the cache key; "
                "use environment variables or the provider's constructor"
            )
        # A strict replay only reads what a checked live call recorded: asking about capabilities there
        # would import litellm for nothing.
        check = self.mode is not Mode.REPLAY
        if check and request.has_image and not self.capabilities(request.model).images:
            raise ConfigurationError(
                f"model {request.model!r} does not accept images; use a vision model "
                "(e.g. openai/gpt-4o, anthropic/claude-sonnet-4-5, gemini/gemini-2.5-flash)"
            )
        check_sampling(request.temperature, request.top_p)
        # temperature=1 and temperature=1.0 are the same request: give them one key.
        top_p = None if request.top_p is None else float(request.top_p)
        request = dataclasses.replace(request, temperature=float(request.temperature), top_p=top_p)
        if check and request.response_schema is not None and not self.capabilities(request.model).response_schema:
            raise ConfigurationError(
                f"model {request.model!r} does not support structured output (response schema) according to "
                f"{self.capabilities(request.model).source}; use the free-text protocol, or declare it in "
                "[model_settings] capabilities / LLMHPO_CAPABILITIES if the model does support it"
            )
        endpoint = self.endpoints.get(request.model)
        if request.api_base is None and endpoint is not None and endpoint.api_base is not None:
            request = dataclasses.replace(request, api_base=endpoint.api_base)
        if request.api_base is None:
            base = provider.resolve_api_base(request)
            if base:
                request = dataclasses.replace(request, api_base=base)
        return request, provider

    def fingerprint(self, request: Request) -> str:
        """The cache key complete() would use for `request` (after checks and endpoint pinning)."""
        return fingerprint(self.prepare(request)[0].key_view())

    def complete(self, request: Request, *, api_key: str | None = None) -> Response:
        """One reply for `request`, from the cache or the provider, according to the mode.

        api_key: a key for this call only (overrides the model's api_key_env and the environment);
        never part of the cache key, the entry or any log.
        """
        start = time.monotonic()
        request, provider = self.prepare(request)
        view = request.key_view()
        key = fingerprint(view)

        with self._single_flight(key):
            stored = lookup(self.store, self.mode, key, namespace="llm", summary=lambda: summarize(request),
                            request=view)
            if stored is not None:
                response = Response.from_dict(
                    stored,
                    cache_hit=True,
                    cost_usd=0.0,
                    would_have_cost_usd=stored.get("cost_usd"),
                    latency_s=time.monotonic() - start,
                    fingerprint=key,
                )
            else:
                reply = self._call(request, provider, api_key)
                value = record(self.store, self.mode, key, reply.to_dict(), namespace="llm", request=view,
                               storable=storable(reply.text, reply.finish_reason))
                response = Response.from_dict(value, would_have_cost_usd=value.get("cost_usd"), fingerprint=key)
        self.ledger.record(request.model, response)
        return response

    def _call(self, request: Request, provider: Provider, api_key: str | None) -> Response:
        """The provider's reply, with retries, within the provider's concurrency limit."""
        endpoint = self.endpoints.get(request.model)
        key_now = api_key or (endpoint.api_key() if endpoint is not None else None)
        # providers written before per-call keys existed take no api_key argument
        extra = {"api_key": key_now} if key_now else {}
        with self._sync_limit(provider):
            return call_with_retries(
                lambda: provider.complete(request, timeout_s=self.timeout_s, **extra),
                self.retry,
                what=request.model,
                backoff=self.backoff(request),
            )


def summarize(request: Request, width: int = 240) -> str:
    """A readable, credential-free summary of a request for CacheMiss messages and logs."""
    params = {
        k: v
        for k, v in request.key_view()["params"].items()
        if v not in (None, {}, []) and k != "response_schema"
    }
    lines = [
        f"  model: {request.model}" + (f" @ {request.key_view()['endpoint']}" if request.api_base else ""),
        f"  params: {params}, replicate={request.replicate}"
        + (", with response_schema" if request.response_schema is not None else ""),
    ]
    for m in request.messages:
        text = " ".join(m.text_only().split())
        if len(text) > width:
            text = text[: width - 3] + "..."
        images = sum(1 for p in m.content if isinstance(p, ImagePart))
        lines.append(f"  {m.role}: {text!r}" + (f" [+{images} image(s)]" if images else ""))
    return "\n".join(lines)
