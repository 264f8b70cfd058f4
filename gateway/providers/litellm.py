"""Hosted and self-hosted chat models through litellm: openai/, anthropic/, gemini/, ollama/, hosted_vllm/.

litellm translates one OpenAI-shaped request into each provider's wire format (images as
data-URL `image_url` parts become Anthropic `image` blocks or Gemini `inline_data`). It is
imported lazily inside the call, because importing it takes seconds and a replay never needs it.
litellm's own retries are disabled: gateway.retry is the single retry layer, so its exceptions are
mapped here onto Transient / Provider / Configuration errors. API keys come from the constructor or
the usual environment variables and are only ever handed to litellm, never stored.
"""

from __future__ import annotations

import email.utils
import os
import time
from datetime import UTC, datetime
from typing import Any

from llmhpo.gateway import capabilities, pricing
from llmhpo.gateway.errors import (
    REFUSED_STATUSES,
    ConfigurationError,
    ProviderError,
    ProviderRefused,
    TransientProviderError,
)
from llmhpo.gateway.providers.base import Capabilities, Provider
from llmhpo.gateway.providers.openai_format import to_openai_message
from llmhpo.gateway.types import Request, Response, Usage

# prefix -> (API key env var or None when no key is needed, api_base env vars in order of preference)
ENV: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "openai": ("OPENAI_API_KEY", ("OPENAI_API_BASE", "OPENAI_BASE_URL")),
    "anthropic": ("ANTHROPIC_API_KEY", ("ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL")),
    "gemini": ("GEMINI_API_KEY", ("GEMINI_API_BASE",)),
    "ollama": (None, ("OLLAMA_API_BASE",)),
    "ollama_chat": (None, ("OLLAMA_API_BASE",)),
    "hosted_vllm": (None, ("HOSTED_VLLM_API_BASE",)),
}
# Keys accepted as an alternative to the canonical variable above.
ALT_KEY_ENV = {"gemini": ("GOOGLE_API_KEY",), "hosted_vllm": ("HOSTED_VLLM_API_KEY",)}
# Self-hosted servers (vLLM, llama.cpp, LM Studio) ignore the key, but the OpenAI client wants one.
DUMMY_KEY = "sk-no-key-required"

# completion() arguments that Request.extra must not override.
RESERVED = frozenset(
    {
        "model",
        "messages",
        "api_key",
        "api_base",
        "base_url",
        "timeout",
        "num_retries",
        "max_retries",
        "stream",
    }
)


class LiteLLMProvider(Provider):
    """One instance serves every litellm prefix; `api_key` / `api_base` override the environment."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_base: str | None = None,
        max_concurrency: int = 16,  # hosted APIs: calls in flight per process (`--llm-concurrency` overrides)
    ) -> None:
        self._api_key = api_key
        self._api_base = api_base
        self.max_concurrency = max_concurrency

    # -- capabilities ----------------------------------------------------------------------------
    def capabilities(self, model: str) -> Capabilities:
        """litellm's model map (gateway.capabilities); the Gateway adds overrides and pins."""
        return capabilities.from_litellm(model)

    def resolve_api_base(self, request: Request) -> str | None:
        """The endpoint this request will reach: request, then constructor, then environment."""
        if request.api_base is not None:  # "" (endpoints.NO_ENDPOINT): pinned to the provider default
            return request.api_base or None
        if self._api_base:
            return self._api_base
        _, base_vars = ENV[request.model.partition("/")[0]]
        return next((os.environ[v] for v in base_vars if os.environ.get(v)), None)

    def _api_key_for(self, prefix: str, api_base: str | None, explicit: str | None = None) -> str | None:
        key_var, _ = ENV[prefix]
        if explicit:
            return explicit
        if self._api_key:
            return self._api_key
        for var in (key_var, *ALT_KEY_ENV.get(prefix, ())):
            if var and os.environ.get(var):
                return os.environ[var]
        if key_var is None or api_base:
            return DUMMY_KEY
        raise ConfigurationError(
            f"no API key for {prefix}/ models: set the environment variable {key_var} "
            f"(or pass --api-base to use a self-hosted OpenAI-compatible server)"
        )

    # -- the call --------------------------------------------------------------------------------
    def completion_kwargs(self, request: Request, *, timeout_s: float, api_key: str | None = None) -> dict[str, Any]:
        """The litellm.completion() arguments for `request` (contains the API key: never log it)."""
        prefix = request.model.partition("/")[0]
        api_base = self.resolve_api_base(request)
        if prefix == "hosted_vllm" and not api_base:
            raise ConfigurationError(
                f"model {request.model!r} needs the server URL: pass --api-base or set HOSTED_VLLM_API_BASE"
            )
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": [to_openai_message(m) for m in request.messages],
            "temperature": request.temperature,
            "api_key": self._api_key_for(prefix, api_base, api_key),
            "timeout": timeout_s,
            "num_retries": 0,
            "max_retries": 0,
            "drop_params": True,
        }
        if api_base:
            kwargs["api_base"] = api_base
        optional = {"top_p": request.top_p, "max_tokens": request.max_tokens, "seed": request.seed}
        kwargs.update({k: v for k, v in optional.items() if v is not None})
        if request.stop:
            kwargs["stop"] = list(request.stop)
        # Sent only when asked for: the caller checked the model's capabilities (gateway.capabilities).
        if request.response_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "config", "schema": request.response_schema},
            }
        clash = sorted(set(request.extra) & RESERVED)
        if clash:
            raise ConfigurationError(
                f"Request.extra may not set {', '.join(clash)} (the gateway controls them)"
            )
        kwargs.update(request.extra)
        return kwargs

    def complete(self, request: Request, *, timeout_s: float, api_key: str | None = None) -> Response:
        kwargs = self.completion_kwargs(request, timeout_s=timeout_s, api_key=api_key)
        litellm = _import_litellm()
        start = time.monotonic()
        try:
            raw = litellm.completion(**kwargs)
        except Exception as exc:  # noqa: BLE001 - every litellm failure is mapped to our errors
            raise map_exception(exc, request.model, secret=kwargs["api_key"]) from None
        latency = time.monotonic() - start
        return to_response(raw, request.model, latency)


def _import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    return litellm


def to_response(raw: Any, model: str, latency_s: float) -> Response:
    """A litellm ModelResponse as our Response; a reply without choices is a transient failure."""
    choices = getattr(raw, "choices", None) or []
    if not choices:
        raise TransientProviderError(f"{model}: reply had no choices")
    choice = choices[0]
    message = getattr(choice, "message", None)
    text = getattr(message, "content", None) or ""
    raw_usage = getattr(raw, "usage", None)
    usage = Usage(
        int(getattr(raw_usage, "prompt_tokens", 0) or 0), int(getattr(raw_usage, "completion_tokens", 0) or 0)
    )
    served = str(getattr(raw, "model", None) or model.partition("/")[2])
    cost = pricing.cost(model, usage)
    if cost is None:
        cost = pricing.cost(f"{model.partition('/')[0]}/{served}", usage)
    return Response(
        text=text,
        finish_reason=getattr(choice, "finish_reason", None),
        usage=usage,
        model_served=served,
        latency_s=latency_s,
        cost_usd=cost,
        would_have_cost_usd=cost,
    )


def retry_after_s(exc: BaseException) -> float | None:
    """Seconds from a Retry-After / retry-after-ms header on a litellm exception, if any."""
    headers = getattr(exc, "litellm_response_headers", None)
    if not headers:
        try:
            headers = exc.response.headers  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - exceptions without a response
            return None
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


def map_exception(exc: Exception, model: str, *, secret: str | None = None) -> Exception:
    """Our error for a litellm/openai exception; `secret` is scrubbed from every message."""
    import litellm

    text = str(exc)
    if secret and secret != DUMMY_KEY:
        text = text.replace(secret, "***")
    status = getattr(exc, "status_code", None)
    prefix = model.partition("/")[0]
    key_var = ENV.get(prefix, (None, ()))[0]
    if isinstance(exc, litellm.AuthenticationError | litellm.PermissionDeniedError):
        hint = f"; check {key_var}" if key_var else ""
        return ProviderRefused(f"{model}: the provider rejected the API key (HTTP {status}){hint}: {text}",
                               status=status)
    if isinstance(exc, litellm.NotFoundError):
        return ProviderRefused(f"unknown model {model!r} (HTTP 404 from the provider): {text}", status=404)
    if isinstance(
        exc,
        litellm.RateLimitError
        | litellm.Timeout
        | litellm.APIConnectionError
        | litellm.ServiceUnavailableError
        | litellm.InternalServerError
        | litellm.BadGatewayError,
    ):
        return TransientProviderError(f"{model}: {text}", status=status, retry_after_s=retry_after_s(exc))
    if isinstance(status, int) and (status >= 500 or status in (408, 409, 429)):
        return TransientProviderError(f"{model}: {text}", status=status, retry_after_s=retry_after_s(exc))
    if isinstance(exc, litellm.APIResponseValidationError):
        return TransientProviderError(f"{model}: malformed reply: {text}", status=status)
    if isinstance(exc, litellm.BadRequestError | litellm.UnprocessableEntityError) or status in REFUSED_STATUSES:
        # unsupported parameter, context too long, content policy, a bad key some providers answer with 400
        return ProviderRefused(f"{model}: the provider refused the request (HTTP {status}): {text}",
                               status=status if isinstance(status, int) else None)
    return ProviderError(f"{model}: {text}", status=status if isinstance(status, int) else None)
