"""An OpenAI-compatible server that answers every chat completion after a fixed delay, with a config
drawn from the request's own JSON schema (or, for a free-text request, the space its prompt describes), and (optionally) a 429 + Retry-After to every k-th request.

Why: campaign throughput is bounded by provider latency, not by CPU, so the concurrency tests and
`scripts/bench_concurrency.py` need a provider whose latency is known and whose answers depend only
on the request (a serial and a concurrent campaign must then journal the same trials). Rate limits
are per server and by arrival order, like a real quota: a retried request is a new arrival.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from tests.servers.base import Behaviour, Received
from tests.servers.openai import OpenAIServer
from tests.servers.replies import answer


def config_for(schema: dict[str, Any], seed_text: str) -> dict[str, Any]:
    """A config inside `schema`'s bounds, a pure function of `seed_text`."""
    out: dict[str, Any] = {}
    for i, (name, prop) in enumerate(sorted((schema.get("properties") or {}).items())):
        digest = hashlib.sha256(f"{i}:{name}:{seed_text}".encode()).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        if "enum" in prop:
            out[name] = prop["enum"][int(u * len(prop["enum"]))]
        elif prop.get("type") == "integer":
            lo, hi = int(prop.get("minimum", 0)), int(prop.get("maximum", 10))
            out[name] = lo + int(u * (hi - lo + 1))
        else:
            lo, hi = float(prop.get("minimum", 0.0)), float(prop.get("maximum", 1.0))
            out[name] = round(lo + u * (hi - lo), 6)
    return out


class DelayServer(OpenAIServer):
    """`delay_s` per reply; every `throttle_every`-th request (1-based, by arrival) gets a 429 with
    `Retry-After: retry_after` (whole seconds, as real servers send it)."""

    def __init__(self, delay_s: float = 1.0, throttle_every: int = 0, retry_after: int = 1) -> None:
        super().__init__()
        self.delay_s, self.throttle_every, self.retry_after = delay_s, throttle_every, retry_after
        self.arrivals = 0
        self.throttled = 0
        self._count_lock = threading.Lock()

    def reset(self) -> None:
        super().reset()
        with self._count_lock:
            self.arrivals = self.throttled = 0

    def _next(self) -> Behaviour:
        with self._count_lock:
            self.arrivals += 1
            throttle = self.throttle_every > 0 and self.arrivals % self.throttle_every == 0
            self.throttled += throttle
        if throttle:
            return Behaviour.error(429, Retry_After=str(self.retry_after))
        return Behaviour.hang(self.delay_s)

    def error_body(self, status: int, received: Received) -> dict[str, Any]:
        if status != 429:
            return super().error_body(status, received)
        return {"error": {"message": "Rate limit reached for requests. Please try again in 1s.",
                          "type": "requests", "param": None, "code": "rate_limit_exceeded"}}

    def reply(self, received: Received, text: str, truncated: bool) -> dict[str, Any]:
        body = received.body if isinstance(received.body, dict) else {}
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema") or {}
        seed_text = json.dumps([body.get("messages"), body.get("seed")], sort_keys=True)
        if not schema:  # a free-text request (the papers' protocol): the space is read from the prompt
            text = answer(self.prompt_text(received), constrained=True, seed=seed_text)
            return super().reply(received, text, truncated)
        return super().reply(received, json.dumps(config_for(schema, seed_text)), truncated)
