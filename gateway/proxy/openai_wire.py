"""The OpenAI chat-completions wire format: request body -> Request, Response -> body or SSE chunks.

Fields that change the reply become part of the Request (and so of the cache key); transport-only
fields (`stream`, `stream_options`, `user`, ...) do not; anything the proxy cannot honour
faithfully (tools, n > 1, remote image URLs, image `detail`) is refused with a 400 naming it,
never silently dropped. An omitted temperature is OpenAI's default, 1.0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from llmhpo.gateway.proxy.wire import (
    BadRequest,
    Parsed,
    expect,
    image_from_data_url,
    message_from_parts,
    pieces,
    sse,
    temperature_of,
)
from llmhpo.gateway.types import ImagePart, Message, Request, Response

DEFAULT_TEMPERATURE = 1.0
# sampling settings passed to the provider as they are (and keyed)
EXTRA_PARAMS = ("frequency_penalty", "presence_penalty", "logit_bias", "reasoning_effort")
# transport settings that cannot change the reply
IGNORED = frozenset({"stream", "stream_options", "user", "store", "metadata", "service_tier"})
KNOWN = frozenset(
    {
        "model",
        "messages",
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "seed",
        "stop",
        "response_format",
        "n",
        *EXTRA_PARAMS,
        *IGNORED,
    }
)
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


def parse(body: dict[str, Any], route: Callable[[Any], str]) -> Parsed:
    """The Request for an OpenAI chat-completions body; BadRequest (HTTP 400) for what cannot be served."""
    unknown = sorted(set(body) - KNOWN)
    if unknown:
        raise BadRequest(
            f"unsupported parameter(s) for the llmhpo proxy: {', '.join(unknown)}", param=unknown[0]
        )
    if body.get("n", 1) != 1:
        raise BadRequest(
            "only n=1 is supported (use separate requests, which get separate cache entries)", "n"
        )
    model = route(body.get("model"))
    raw_messages = expect(body.get("messages"), list, "messages")
    if not raw_messages:
        raise BadRequest("messages must not be empty", "messages")
    messages = tuple(_message(m, i) for i, m in enumerate(raw_messages))
    temperature = temperature_of(body, DEFAULT_TEMPERATURE)
    top_p = body.get("top_p")
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    seed = body.get("seed")
    for name, value in (("top_p", top_p), ("max_tokens", max_tokens), ("seed", seed)):
        if value is not None:
            expect(value, int if name != "top_p" else (int, float), name)
    stop = body.get("stop")
    if isinstance(stop, str):
        stop = (stop,)
    elif stop is not None:
        stop = tuple(expect(s, str, "stop[]") for s in expect(stop, list, "stop")) or None
    schema, extra = _response_format(body.get("response_format"))
    extra.update({k: body[k] for k in EXTRA_PARAMS if body.get(k) is not None})
    options = body.get("stream_options") or {}
    stream = bool(body.get("stream", False))
    return Parsed(
        Request(
            model=model,
            messages=messages,
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens,
            seed=seed,
            stop=stop,
            response_schema=schema,
            extra=extra,
        ),
        client_model=str(body["model"]),
        stream=stream,
        include_usage=stream and isinstance(options, dict) and bool(options.get("include_usage")),
    )


def _message(raw: Any, index: int) -> Message:
    where = f"messages[{index}]"
    expect(raw, dict, where)
    extra_keys = sorted(set(raw) - {"role", "content"})
    if extra_keys:
        raise BadRequest(
            f"{where}: unsupported field(s) {', '.join(extra_keys)} (tools and names are not proxied)", where
        )
    role = ROLES.get(raw.get("role"))
    if role is None:
        raise BadRequest(
            f"{where}.role must be one of {', '.join(ROLES)}, got {raw.get('role')!r}", f"{where}.role"
        )
    return message_from_parts(role, raw.get("content"), where, "image_url", _image)


def _image(part: dict[str, Any], at: str) -> ImagePart:
    image = expect(part.get("image_url"), dict, f"{at}.image_url")
    if image.get("detail", "auto") != "auto":
        raise BadRequest(f"{at}.image_url.detail={image['detail']!r} is not supported (only 'auto')", at)
    return image_from_data_url(image.get("url"), f"{at}.image_url.url")


def _response_format(value: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(response_schema, extra) for a response_format: a JSON schema is keyed like in-process calls."""
    if value is None:
        return None, {}
    kind = expect(value, dict, "response_format").get("type")
    if kind == "text":
        return None, {}
    if kind == "json_object":
        return None, {"response_format": {"type": "json_object"}}
    if kind == "json_schema":
        spec = expect(value.get("json_schema"), dict, "response_format.json_schema")
        return expect(spec.get("schema"), dict, "response_format.json_schema.schema"), {}
    raise BadRequest(
        f"response_format.type must be text, json_object or json_schema, got {kind!r}", "response_format"
    )


def _model_out(response: Response, client_model: str) -> str:
    return response.model_served or client_model


def render(response: Response, client_model: str) -> dict[str, Any]:
    """The chat.completion body for `response`; its id derives from the fingerprint (stable on replay)."""
    return {
        "id": f"chatcmpl-{(response.fingerprint or '')[:29]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": _model_out(response, client_model),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": response.text, "refusal": None},
                "logprobs": None,
                "finish_reason": response.finish_reason or "stop",
            }
        ],
        "usage": _usage(response),
        "system_fingerprint": None,
    }


def _usage(response: Response) -> dict[str, int]:
    u = response.usage
    return {
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": u.total_tokens,
    }


def stream(response: Response, client_model: str, include_usage: bool) -> Iterator[bytes]:
    """The chat.completion.chunk events OpenAI sends for this reply, then `data: [DONE]`."""
    head = {
        "id": f"chatcmpl-{(response.fingerprint or '')[:29]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": _model_out(response, client_model),
        "system_fingerprint": None,
    }
    usage_field = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return sse({**head, "choices": [choice], **usage_field})

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in pieces(response.text):
        yield chunk({"content": piece})
    yield chunk({}, response.finish_reason or "stop")
    if include_usage:
        yield sse({**head, "choices": [], "usage": _usage(response)})
    yield sse("[DONE]")


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


def error_body(
    status: int, message: str, *, kind: str | None = None, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """OpenAI's error envelope."""
    return {
        "error": {
            "message": message,
            "type": kind or ERROR_TYPES.get(status, "api_error"),
            "param": param,
            "code": code,
        }
    }
