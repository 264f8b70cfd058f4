"""A toy provider family written the way a plugin would be: one file, registered with one
`gateway.providers.register("toy", "tests.plugins.toy_provider:ToyProvider")` call (see
test_toy_provider.py).

`toy/<model>` models speak a small JSON-over-HTTP wire format of their own (not OpenAI's), served
in the tests by `tests.plugins.toy_server.ToyServer`:

    POST {base}/v1/generate   header X-Toy-Key: <key>
    {"model", "turns": [{"role", "text"}], "temperature", "max_new_tokens", "seed", "stop", "schema"}
    -> 200 {"output", "stopped_by": "end" | "limit", "tokens": {"prompt", "output"}, "model"}
    -> 4xx/5xx {"detail": {"status", "reason"}} (429 and 503 may carry Retry-After)

Like every provider it declares what its models accept through `capabilities()` (text only, a JSON
schema constrains the reply, a seed is honoured), maps failures onto the gateway's error classes
(it never retries itself) and never lets the key into a message.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any

from llmhpo.gateway.capabilities import Capabilities
from llmhpo.gateway.errors import (
    REFUSED_STATUSES,
    ConfigurationError,
    ProviderError,
    ProviderRefused,
    TransientProviderError,
)
from llmhpo.gateway.providers.base import Provider
from llmhpo.gateway.types import Request, Response, Usage

KEY_ENV = "TOY_API_KEY"
BASE_ENV = "TOY_API_BASE"
FINISH = {"end": "stop", "limit": "length"}


class ToyProvider(Provider):
    """Serves `toy/<name>` from the server at `api_base` (else $TOY_API_BASE) with `api_key`
    (else $TOY_API_KEY). `max_concurrency` and `resolve_api_base`: the Provider defaults."""

    def __init__(self, *, api_key: str | None = None, api_base: str | None = None) -> None:
        self._api_key = api_key
        self._api_base = api_base

    def capabilities(self, model: str) -> Capabilities:
        return Capabilities(images=False, response_schema=True, json_mode=False, seed=True, max_context=4096,
                            source="toy")

    def body(self, request: Request) -> dict[str, Any]:
        """The wire body of `request` (no credentials: the key travels in a header)."""
        if request.has_image:
            raise ConfigurationError(f"model {request.model!r} is text-only and was given an image")
        if request.extra:
            raise ConfigurationError(f"{request.model}: the toy wire format takes no extra parameters "
                                     f"({', '.join(sorted(request.extra))})")
        return {
            "model": request.model.partition("/")[2],
            "turns": [{"role": m.role, "text": m.text_only()} for m in request.messages],
            "temperature": request.temperature,
            "max_new_tokens": request.max_tokens,
            "seed": request.seed,
            "stop": list(request.stop or ()),
            "schema": request.response_schema,
        }

    def complete(self, request: Request, *, timeout_s: float, api_key: str | None = None) -> Response:
        key = api_key or self._api_key or os.environ.get(KEY_ENV)
        base = request.api_base or self._api_base or os.environ.get(BASE_ENV)
        if not key:
            raise ConfigurationError(f"no API key for toy/ models: set {KEY_ENV}")
        if not base:
            raise ConfigurationError(f"no server for toy/ models: set {BASE_ENV}")
        http = urllib.request.Request(
            base.rstrip("/") + "/v1/generate", data=json.dumps(self.body(request)).encode(), method="POST",
            headers={"Content-Type": "application/json", "X-Toy-Key": key},
        )
        start = time.monotonic()
        try:
            with urllib.request.urlopen(http, timeout=timeout_s) as reply:
                raw = reply.read()
        except urllib.error.HTTPError as exc:
            raise _status_error(request.model, exc, key) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            raise TransientProviderError(f"{request.model}: {str(exc).replace(key, '***')}") from None
        return _response(request.model, raw, time.monotonic() - start)


def _status_error(model: str, exc: urllib.error.HTTPError, key: str) -> ProviderError:
    try:
        reason = str(json.loads(exc.read()).get("detail", {}).get("reason", ""))
    except (ValueError, AttributeError):
        reason = ""
    reason = reason.replace(key, "***")  # servers echo a rejected key
    if exc.code in REFUSED_STATUSES:
        return ProviderRefused(f"{model}: the toy server refused the request (HTTP {exc.code}): {reason}",
                               status=exc.code)
    retry_after = exc.headers.get("Retry-After") if exc.headers else None
    return TransientProviderError(f"{model}: HTTP {exc.code}: {reason}", status=exc.code,
                                  retry_after_s=float(retry_after) if retry_after else None)


def _response(model: str, raw: bytes, latency_s: float) -> Response:
    try:
        data = json.loads(raw)
        text, stopped, tokens = str(data["output"]), data["stopped_by"], data["tokens"]
        usage = Usage(int(tokens["prompt"]), int(tokens["output"]))
    except (ValueError, KeyError, TypeError):
        raise TransientProviderError(f"{model}: malformed reply: {raw[:200]!r}") from None
    return Response(text=text, finish_reason=FINISH.get(stopped), usage=usage,
                    model_served=str(data.get("model") or model.partition("/")[2]), latency_s=latency_s,
                    cost_usd=0.0, would_have_cost_usd=0.0)
