"""The proxy's ASGI app: each wire-format request becomes one `Gateway.complete` call.

So the proxy has exactly the in-process semantics: the same cache keys, modes, cassettes,
retries, ledger and prices. The client's key (Authorization: Bearer / x-api-key) is handed to
that one call and dropped; nothing here logs headers. A strict-replay miss is answered with 404
in the client's error format, naming the fingerprint and the request, and logged.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import threading
from collections.abc import Mapping
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, StreamingResponse
from starlette.responses import Response as HttpResponse
from starlette.routing import Route

from llmhpo.cache.errors import CacheError, CacheMiss
from llmhpo.gateway import pricing
from llmhpo.gateway.errors import ConfigurationError, ProviderError
from llmhpo.gateway.gateway import Gateway
from llmhpo.gateway.models import CATALOGUE
from llmhpo.gateway.proxy import anthropic_wire, openai_wire
from llmhpo.gateway.proxy.routing import route_model
from llmhpo.gateway.proxy.wire import BadRequest
from llmhpo.gateway.types import Request, Response

log = logging.getLogger("llmhpo.proxy")
# A client that must send some key but wants the proxy to use its own environment's key sends this.
PLACEHOLDER_KEY = "llmhpo"
MISS_STATUS = 404
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclasses.dataclass
class ProxyState:
    """What the routes share: the gateway (swappable, e.g. per test), routing, counters, recent misses."""

    gateway: Gateway
    default_prefix: str | None = None
    upstreams: Mapping[str, str] = dataclasses.field(default_factory=dict)
    address: tuple[str, int] | None = None  # where this proxy listens (to refuse calling itself)
    requests: int = 0
    errors: int = 0
    misses: collections.deque[CacheMiss] = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=100)
    )
    miss_count: int = 0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            counts = {"requests": self.requests, "misses": self.miss_count, "errors": self.errors}
        return {"mode": self.gateway.mode.value, **counts, **self.gateway.ledger.to_dict()}


def client_key(headers: Mapping[str, str]) -> str | None:
    """The key the client sent (Bearer token or x-api-key), None when absent or the placeholder."""
    auth = headers.get("authorization", "")
    key = auth[7:].strip() if auth[:7].lower() == "bearer " else headers.get("x-api-key", "").strip()
    return key if key and key != PLACEHOLDER_KEY else None


def _pin_upstream(state: ProxyState, request: Request) -> Request:
    """Give the request its prefix's --upstream URL, and refuse an endpoint that is this proxy."""
    prefix = request.model.partition("/")[0]
    if request.api_base is None and prefix in state.upstreams:
        request = dataclasses.replace(request, api_base=state.upstreams[prefix])
    if state.address is not None:
        base = request.api_base or state.gateway.provider(request.model).resolve_api_base(request)
        if base and _is_address(base, state.address):
            raise ConfigurationError(
                f"the endpoint for {request.model} is this proxy ({base}): it would call itself. Unset "
                f"the base-URL variable in the proxy's environment or start it with --upstream {prefix}=URL"
            )
    return request


def _is_address(url: str, address: tuple[str, int]) -> bool:
    parts = urlsplit(url)
    host, port = address
    same_host = parts.hostname == host or {parts.hostname, host} <= _LOOPBACK | {"0.0.0.0"}
    return same_host and parts.port == port


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _error(wire: ModuleType, status: int, message: str, **fields: Any) -> JSONResponse:
    return JSONResponse(wire.error_body(status, message, **fields), status_code=status)


async def _complete(http: HttpRequest, wire: ModuleType) -> HttpResponse:
    state: ProxyState = http.app.state.proxy
    with state.lock:
        state.requests += 1
    try:
        body = json.loads(await http.body(), parse_constant=_no_constants)
    except ValueError as exc:
        return _fail(state, wire, 400, f"the request body is not valid JSON ({exc})")
    if not isinstance(body, dict):
        return _fail(state, wire, 400, "the request body must be a JSON object")
    gateway = state.gateway
    try:
        parsed = wire.parse(body, lambda name: route_model(name, state.default_prefix))
        request = _pin_upstream(state, parsed.request)
        response: Response = await run_in_threadpool(
            gateway.complete, request, api_key=client_key(http.headers)
        )
    except CacheMiss as miss:
        with state.lock:
            state.miss_count += 1
            state.misses.append(miss)
        log.warning("%s %s", http.url.path, miss)
        hint = "record it by running the client against `llmhpo proxy --mode record` (or live) on this cache"
        return _fail(state, wire, MISS_STATUS, f"{miss}\n{hint}", kind="cache_miss", code=miss.fingerprint)
    except BadRequest as exc:
        return _fail(state, wire, 400, str(exc), param=exc.param)
    except ConfigurationError as exc:
        return _fail(state, wire, 400, str(exc))
    except ProviderError as exc:
        status = exc.status if isinstance(exc.status, int) and 400 <= exc.status < 500 else 502
        return _fail(state, wire, status, f"upstream provider failed: {exc}")
    except CacheError as exc:
        return _fail(state, wire, 500, f"llmhpo cache error: {exc}")
    except Exception as exc:  # noqa: BLE001 - a bug must still answer in the client's format
        log.exception("unexpected error on %s", http.url.path)
        return _fail(state, wire, 500, f"llmhpo proxy internal error: {type(exc).__name__}: {exc}")
    _log_reply(http.url.path, request.model, response)
    headers = {
        "x-llmhpo-cache": "hit" if response.cache_hit else "live",
        "x-llmhpo-fingerprint": response.fingerprint or "",
    }
    if parsed.stream:
        events = wire.stream(response, parsed.client_model, parsed.include_usage)
        return StreamingResponse(
            events, media_type="text/event-stream", headers={**headers, "cache-control": "no-cache"}
        )
    return JSONResponse(wire.render(response, parsed.client_model), headers=headers)


def _fail(state: ProxyState, wire: ModuleType, status: int, message: str, **fields: Any) -> JSONResponse:
    with state.lock:
        state.errors += status != MISS_STATUS
    if status != MISS_STATUS:
        log.info("error %d: %s", status, message.splitlines()[0][:300])
    return _error(wire, status, message, **fields)


def _usd(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.6f}"


def _log_reply(path: str, model: str, r: Response) -> None:
    log.info(
        "%s %s %s fp=%s tokens=%d+%d cost=%s would-have-cost=%s latency=%.3fs",
        path,
        model,
        "hit" if r.cache_hit else "live",
        (r.fingerprint or "")[:12],
        r.usage.prompt_tokens,
        r.usage.completion_tokens,
        _usd(r.cost_usd),
        _usd(r.would_have_cost_usd),
        r.latency_s,
    )


async def chat_completions(http: HttpRequest) -> HttpResponse:
    return await _complete(http, openai_wire)


async def messages(http: HttpRequest) -> HttpResponse:
    return await _complete(http, anthropic_wire)


def known_models() -> list[str]:
    """Models with a known price or a catalogued local file, as full llmhpo ids."""
    families = [("openai", "gpt-"), ("anthropic", "claude-"), ("gemini", "gemini-")]
    hosted = [f"{p}/{name}" for name in pricing.PRICES for p, start in families if name.startswith(start)]
    return sorted(hosted) + [f"local/{name}" for name in sorted(CATALOGUE)]


async def models(http: HttpRequest) -> HttpResponse:
    """GET /v1/models in OpenAI's list format (Anthropic's when the client sends anthropic-version)."""
    ids = known_models()
    if "anthropic-version" in http.headers:
        data = [
            {"type": "model", "id": m, "display_name": m, "created_at": "1970-01-01T00:00:00Z"} for m in ids
        ]
        return JSONResponse({"data": data, "has_more": False, "first_id": ids[0], "last_id": ids[-1]})
    data = [{"id": m, "object": "model", "created": 0, "owned_by": m.partition("/")[0]} for m in ids]
    return JSONResponse({"object": "list", "data": data})


async def stats(http: HttpRequest) -> HttpResponse:
    """Hits, misses, live calls, tokens, cost and would-have-cost since the proxy started."""
    return JSONResponse(http.app.state.proxy.stats())


def build_app(state: ProxyState) -> Starlette:
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/models", models, methods=["GET"]),
            Route("/stats", stats, methods=["GET"]),
        ]
    )
    app.state.proxy = state
    return app
