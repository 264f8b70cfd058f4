"""Anthropic messages wire format (POST /v1/messages).

Refusals follow the real API's `{"type": "error", "error": {"type", "message"}}` body (the SDK's
`ErrorResponse`): 401 `authentication_error` for a missing or wrong key (`x-api-key` or `Authorization: Bearer`), 400 without the
`anthropic-version` header, 404 `not_found_error` for an unknown model, 400
`invalid_request_error` for a missing `max_tokens`, a "system" role inside `messages` (the system
prompt is a top-level field), a temperature above 1, an image to a text-only model, or
structured output (`output_format`) on a model without it. A forced tool call (litellm's way of
asking older Claude models for JSON) is answered with a `tool_use` block.
"""

from __future__ import annotations

import json
from typing import Any

from tests.servers.base import Received, RecordingServer, message_texts
from tests.servers.catalogue import ANTHROPIC


def anthropic_error(status: int, type_: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"type": "error", "error": {"type": type_, "message": message}}


class AnthropicServer(RecordingServer):
    catalogue = ANTHROPIC

    def refusal(self, received: Received) -> tuple[int, dict[str, Any]] | None:
        headers = {k.lower(): v for k, v in received.headers.items()}
        # the official SDK (2.x) sends `Authorization: Bearer`, litellm and older SDKs `x-api-key`
        bearer = headers.get("authorization", "")
        key = headers.get("x-api-key") or (bearer.removeprefix("Bearer ").strip() if bearer.startswith("Bearer ") else "")
        if not key:
            return anthropic_error(401, "authentication_error", "x-api-key header is required")
        if not self.key_ok(key):
            return anthropic_error(401, "authentication_error", "invalid x-api-key")
        if not headers.get("anthropic-version"):
            return anthropic_error(400, "invalid_request_error", "anthropic-version: header is required")
        body = received.body if isinstance(received.body, dict) else {}
        name = body.get("model")
        model = self.models.get(name) if isinstance(name, str) else None
        if model is None:
            return anthropic_error(404, "not_found_error", f"model: {name}")
        if "max_tokens" not in body:
            return anthropic_error(400, "invalid_request_error", "max_tokens: Field required")
        if float(body.get("temperature", 0) or 0) > 1:
            return anthropic_error(400, "invalid_request_error", "temperature: range: 0..1")
        if "output_format" in body and not model.json_schema:
            return anthropic_error(400, "invalid_request_error",
                                   f"'{name}' does not support output format.")
        for i, message in enumerate(body.get("messages") or []):
            if message.get("role") not in ("user", "assistant"):
                return anthropic_error(400, "invalid_request_error",
                                       f"messages: Unexpected role \"{message.get('role')}\". The Messages API "
                                       "accepts a top-level `system` parameter, not \"system\" as an input message "
                                       "role.")
            content = message.get("content")
            for j, block in enumerate(content if isinstance(content, list) else []):
                if block.get("type") == "image" and not model.images:
                    return anthropic_error(400, "invalid_request_error",
                                           f"messages.{i}.content.{j}: '{name}' does not support image input.")
        return None

    def prompt_text(self, received: Received) -> str:
        body = received.body if isinstance(received.body, dict) else {}
        system = body.get("system")
        texts = [system] if isinstance(system, str) else [b.get("text", "") for b in system or [] if isinstance(b, dict)]
        return "\n".join([*texts, message_texts(body.get("messages"))])

    def constrained(self, received: Received) -> bool:
        body = received.body if isinstance(received.body, dict) else {}
        return "output_format" in body or bool(body.get("tools"))

    def reply(self, received: Received, text: str, truncated: bool) -> dict[str, Any]:
        body = received.body if isinstance(received.body, dict) else {}
        choice = body.get("tool_choice") or {}
        if choice.get("type") == "tool" and text.startswith("{"):
            content: list[dict[str, Any]] = [
                {"type": "tool_use", "id": "toolu_test", "name": choice.get("name"), "input": json.loads(text)}
            ]
            stop = "tool_use"
        else:
            content = [{"type": "text", "text": text}] if text else []
            stop = "max_tokens" if truncated else "end_turn"
        return {
            "id": f"msg_test_{len(self.received)}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-test"),
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": 13, "output_tokens": 5},
        }

    def error_body(self, status: int, received: Received) -> dict[str, Any]:
        kind = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": self.error_message(status, received)}}
