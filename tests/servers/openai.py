"""OpenAI chat-completions wire format (POST /chat/completions or /v1/chat/completions).

Refusals follow the real API: the error body is `{"error": {"message", "type", "param", "code"}}`
(the shape `openai.APIStatusError.body` carries), 401 for a missing or wrong key, 404
`model_not_found` for an unknown model, 400 `invalid_request_error` naming the parameter for a
`response_format` or an image the model does not take, 400 `context_length_exceeded`.
"""

from __future__ import annotations

import base64
from typing import Any

from tests.servers.base import Received, RecordingServer, message_texts
from tests.servers.catalogue import OPENAI, approx_tokens

NO_KEY = ("You didn't provide an API key. You need to provide your API key in an Authorization header using "
          "Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if "
          "you're accessing the API from your browser and are prompted for a username. You can obtain an API key "
          "from https://platform.openai.com/account/api-keys.")


def openai_error(status: int, message: str, *, type_: str = "invalid_request_error", param: str | None = None,
                 code: str | None = None) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": type_, "param": param, "code": code}}


def _mask(key: str) -> str:
    return key[:3] + "*" * 4 + key[-4:] if len(key) > 8 else "***"


class OpenAIServer(RecordingServer):
    catalogue = OPENAI

    def _headers(self, received: Received) -> dict[str, str]:
        return {k.lower(): v for k, v in received.headers.items()}

    @staticmethod
    def _key(auth: str) -> str:
        """Bearer auth, or Basic auth with the key as password (which the real API also accepts)."""
        if auth.startswith("Bearer "):
            return auth.removeprefix("Bearer ").strip()
        if auth.startswith("Basic "):
            try:
                return base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")[2]
            except ValueError:
                return ""
        return ""

    def refusal(self, received: Received) -> tuple[int, dict[str, Any]] | None:
        key = self._key(self._headers(received).get("authorization", ""))
        if not key:
            return openai_error(401, NO_KEY)
        if not self.key_ok(key):
            return openai_error(401, f"Incorrect API key provided: {_mask(key)}. You can find your API key at "
                                     "https://platform.openai.com/account/api-keys.", code="invalid_api_key")
        body = received.body if isinstance(received.body, dict) else {}
        name = body.get("model")
        model = self.models.get(name) if isinstance(name, str) else None
        if model is None:
            return openai_error(404, f"The model `{name}` does not exist or you do not have access to it.",
                                code="model_not_found")
        fmt = (body.get("response_format") or {}).get("type")
        if (fmt == "json_schema" and not model.json_schema) or (fmt == "json_object" and not model.json_object):
            return openai_error(400, f"Invalid parameter: 'response_format' of type '{fmt}' is not supported with "
                                     "this model.", param="response_format")
        for i, message in enumerate(body.get("messages") or []):
            content = message.get("content")
            for j, part in enumerate(content if isinstance(content, list) else []):
                if part.get("type") == "image_url" and not model.images:
                    return openai_error(400, "Invalid content type. image_url is only supported by certain models.",
                                        param=f"messages.[{i}].content.[{j}].type")
        tokens = approx_tokens(self.prompt_text(received)) + int(body.get("max_tokens") or 0)
        if tokens > model.context:
            return openai_error(400, f"This model's maximum context length is {model.context} tokens. However, "
                                     f"your messages resulted in {tokens} tokens. Please reduce the length of the "
                                     "messages.", param="messages", code="context_length_exceeded")
        return None

    def prompt_text(self, received: Received) -> str:
        body = received.body if isinstance(received.body, dict) else {}
        return message_texts(body.get("messages"))

    def constrained(self, received: Received) -> bool:
        body = received.body if isinstance(received.body, dict) else {}
        return bool(body.get("response_format"))

    def reply(self, received: Received, text: str, truncated: bool) -> dict[str, Any]:
        body = received.body if isinstance(received.body, dict) else {}
        return {
            "id": f"chatcmpl-test-{len(self.received)}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body.get("model", "test-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "length" if truncated else "stop",
                }
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        }
