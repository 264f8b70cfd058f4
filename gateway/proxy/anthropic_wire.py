"""The Anthropic messages wire format: request body -> Request, Response -> body or the SSE events.

As for OpenAI, what changes the reply is keyed, transport fields are not, and what cannot be
honoured (tools, thinking, URL images) is a 400 naming it. `max_tokens` is required, as by the
real API. An omitted temperature is Anthropic's default, 1.0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from llmhpo.gateway.proxy.wire import (
    BadRequest,
    Parsed,
    expect,
    image_from_base64,
    message_from_parts,
    pieces,
    sse,
    temperature_of,
)
from llmhpo.gateway.types import ImagePart, Message, Part, Request, Response, TextPart

DEFAULT_TEMPERATURE = 1.0
IGNORED = frozenset({"stream", "metadata", "service_tier"})
KNOWN = frozenset(
    {"model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k", "stop_sequences", *IGNORED}
)
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens"}


def parse(body: dict[str, Any], route: Callable[[Any], str]) -> Parsed:
    """The Request for an Anthropic messages body; BadRequest (HTTP 400) for what cannot be served."""
    unknown = sorted(set(body) - KNOWN)
    if unknown:
        raise BadRequest(f"unsupported parameter(s) for the llmhpo proxy: {', '.join(unknown)}", unknown[0])
    if "max_tokens" not in body:
        raise BadRequest("max_tokens: Field required", "max_tokens")
    max_tokens = expect(body["max_tokens"], int, "max_tokens")
    if max_tokens < 1:
        raise BadRequest("max_tokens: must be at least 1", "max_tokens")
    model = route(body.get("model"))
    messages: list[Message] = []
    if body.get("system") is not None:
        messages.append(Message("system", _system_parts(body["system"])))
    raw_messages = expect(body.get("messages"), list, "messages")
    if not raw_messages:
        raise BadRequest("messages: at least one message is required", "messages")
    messages.extend(_message(m, i) for i, m in enumerate(raw_messages))
    extra: dict[str, Any] = {}
    if body.get("top_k") is not None:
        extra["top_k"] = expect(body["top_k"], int, "top_k")
    top_p = body.get("top_p")
    if top_p is not None:
        expect(top_p, (int, float), "top_p")
    stops = body.get("stop_sequences")
    stop = (
        tuple(expect(s, str, "stop_sequences[]") for s in expect(stops, list, "stop_sequences"))
        if stops
        else None
    )
    return Parsed(
        Request(
            model=model,
            messages=tuple(messages),
            temperature=temperature_of(body, DEFAULT_TEMPERATURE),
            top_p=top_p,
            max_tokens=max_tokens,
            stop=stop or None,
            extra=extra,
        ),
        client_model=str(body["model"]),
        stream=bool(body.get("stream", False)),
        include_usage=True,
    )


def _system_parts(system: Any) -> tuple[Part, ...]:
    if isinstance(system, str):
        return (TextPart(system),)
    parts = []
    for i, block in enumerate(expect(system, list, "system")):
        if expect(block, dict, f"system[{i}]").get("type") != "text":
            raise BadRequest(f"system[{i}]: only text blocks are allowed in the system prompt", "system")
        parts.append(TextPart(expect(block.get("text"), str, f"system[{i}].text")))
    return tuple(parts)


def _message(raw: Any, index: int) -> Message:
    where = f"messages.{index}"
    expect(raw, dict, where)
    role = raw.get("role")
    if role not in ("user", "assistant"):
        raise BadRequest(
            f"{where}.role: Input should be 'user' or 'assistant', got {role!r}", f"{where}.role"
        )
    return message_from_parts(role, raw.get("content"), where, "image", _image, index=lambda j: f".{j}")


def _image(block: dict[str, Any], at: str) -> ImagePart:
    source = expect(block.get("source"), dict, f"{at}.source")
    if source.get("type") != "base64":
        raise BadRequest(
            f"{at}.source.type={source.get('type')!r}: only base64 images are accepted; the proxy "
            "does not fetch remote images",
            at,
        )
    return image_from_base64(source.get("data"), source.get("media_type"), f"{at}.source.data")


def _message_head(response: Response, client_model: str) -> dict[str, Any]:
    return {
        "id": f"msg_{(response.fingerprint or '')[:24]}",
        "type": "message",
        "role": "assistant",
        "model": response.model_served or client_model,
    }


def _stop_reason(response: Response) -> str:
    return STOP_REASONS.get(response.finish_reason or "stop", "end_turn")


def render(response: Response, client_model: str) -> dict[str, Any]:
    """The message body for `response` (id derived from the fingerprint, stable on replay)."""
    return {
        **_message_head(response, client_model),
        "content": [{"type": "text", "text": response.text}],
        "stop_reason": _stop_reason(response),
        "stop_sequence": None,
        "usage": {
            "input_tokens": response.usage.prompt_tokens,
            "output_tokens": response.usage.completion_tokens,
        },
    }


def stream(response: Response, client_model: str, include_usage: bool = True) -> Iterator[bytes]:
    """Anthropic's event sequence: message_start, content_block_start, ping, content_block_delta...,
    content_block_stop, message_delta (stop reason, output tokens), message_stop."""
    start = {
        **_message_head(response, client_model),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": response.usage.prompt_tokens, "output_tokens": 1},
    }
    yield sse({"type": "message_start", "message": start}, "message_start")
    block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    yield sse(block, "content_block_start")
    yield sse({"type": "ping"}, "ping")
    for piece in pieces(response.text):
        delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
        yield sse(delta, "content_block_delta")
    yield sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
    end = {
        "type": "message_delta",
        "delta": {"stop_reason": _stop_reason(response), "stop_sequence": None},
        "usage": {"output_tokens": response.usage.completion_tokens},
    }
    yield sse(end, "message_delta")
    yield sse({"type": "message_stop"}, "message_stop")


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def error_body(
    status: int, message: str, *, kind: str | None = None, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """Anthropic's error envelope (it has no param/code fields: they are folded into the message)."""
    return {
        "type": "error",
        "error": {"type": kind or ERROR_TYPES.get(status, "api_error"), "message": message},
    }
