"""Gemini generateContent wire format (POST .../models/<model>:generateContent).

Refusals follow the real API's `{"error": {"code", "message", "status"}}` body: 403
PERMISSION_DENIED without a key, 400 INVALID_ARGUMENT `API_KEY_INVALID` for a wrong one, 404
NOT_FOUND for an unknown model, and the responseSchema rules: a schema needs responseMimeType
`application/json`, `responseSchema` takes the OpenAPI subset (no `additionalProperties`, `$ref`,
`$defs`, `$schema`: "Invalid JSON payload received. Unknown name ..."), `responseJsonSchema`
takes JSON Schema, and a model without structured output or without image input refuses them.
Field names are accepted in camelCase or snake_case, as the real proto-JSON parser does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.servers.base import Received, RecordingServer
from tests.servers.catalogue import GEMINI

_OPENAPI_UNKNOWN = ("additionalProperties", "$ref", "$defs", "$schema", "const", "oneOf")


def gemini_error(status: int, code_name: str, message: str, reason: str | None = None) -> tuple[int, dict[str, Any]]:
    error: dict[str, Any] = {"code": status, "message": message, "status": code_name}
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
                             "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}]
    return status, {"error": error}


def _get(table: dict[str, Any], camel: str) -> Any:
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    return table.get(camel, table.get(snake))


def _unknown_field(schema: Any, path: str) -> str | None:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in _OPENAPI_UNKNOWN:
                return f"Invalid JSON payload received. Unknown name \"{key}\" at '{path}': Cannot find field."
            found = _unknown_field(value, f"{path}.{key}" if key not in ("properties", "items") else path)
            if found:
                return found
    elif isinstance(schema, list):
        for item in schema:
            found = _unknown_field(item, path)
            if found:
                return found
    return None


class GeminiServer(RecordingServer):
    catalogue = GEMINI

    def refusal(self, received: Received) -> tuple[int, dict[str, Any]] | None:
        headers = {k.lower(): v for k, v in received.headers.items()}
        parts = urlsplit(received.path)
        key = headers.get("x-goog-api-key") or (parse_qs(parts.query).get("key") or [""])[0]
        if not key:
            return gemini_error(403, "PERMISSION_DENIED",
                                "Method doesn't allow unregistered callers (callers without established identity). "
                                "Please use API Key or other form of API consumer identity to call this API.")
        if not self.key_ok(key):
            return gemini_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                                "API_KEY_INVALID")
        name = parts.path.rsplit("/models/", 1)[-1].split(":", 1)[0]
        model = self.models.get(name)
        if model is None:
            return gemini_error(404, "NOT_FOUND", f"models/{name} is not found for API version v1beta, or is not "
                                "supported for generateContent. Call ListModels to see the list of available "
                                "models and their supported methods.")
        body = received.body if isinstance(received.body, dict) else {}
        config = _get(body, "generationConfig") or {}
        openapi, json_schema = _get(config, "responseSchema"), _get(config, "responseJsonSchema")
        mime = _get(config, "responseMimeType")
        if openapi is not None or json_schema is not None:
            if not model.json_schema:
                return gemini_error(400, "INVALID_ARGUMENT", f"Json mode is not enabled for models/{name}")
            if mime != "application/json":
                return gemini_error(400, "INVALID_ARGUMENT", "* GenerateContentRequest.generation_config.response_mime_type: "
                                    "response_mime_type must be application/json when response_schema is set.")
            if openapi is not None:
                unknown = _unknown_field(openapi, "generation_config.response_schema")
                if unknown:
                    return gemini_error(400, "INVALID_ARGUMENT", unknown)
        elif mime == "application/json" and not model.json_object:
            return gemini_error(400, "INVALID_ARGUMENT", f"Json mode is not enabled for models/{name}")
        for i, content in enumerate(body.get("contents") or []):
            for j, part in enumerate(content.get("parts") or []):
                if _get(part, "inlineData") is not None and not model.images:
                    return gemini_error(400, "INVALID_ARGUMENT", f"* GenerateContentRequest.contents[{i}].parts[{j}]: "
                                        f"models/{name} does not support image input.")
        return None

    def prompt_text(self, received: Received) -> str:
        body = received.body if isinstance(received.body, dict) else {}
        texts = []
        system = _get(body, "systemInstruction") or {}
        texts.extend(p.get("text", "") for p in system.get("parts") or [])
        for content in body.get("contents") or []:
            texts.extend(p.get("text", "") for p in content.get("parts") or [] if "text" in p)
        return "\n".join(texts)

    def constrained(self, received: Received) -> bool:
        body = received.body if isinstance(received.body, dict) else {}
        return _get(_get(body, "generationConfig") or {}, "responseMimeType") == "application/json"

    def reply(self, received: Received, text: str, truncated: bool) -> dict[str, Any]:
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": text}]},
                    "finishReason": "MAX_TOKENS" if truncated else "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 4, "totalTokenCount": 13},
            "modelVersion": "gemini-test",
        }

    def error_body(self, status: int, received: Received) -> dict[str, Any]:
        name = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
                500: "INTERNAL", 503: "UNAVAILABLE"}.get(status, "UNKNOWN")
        return {"error": {"code": status, "message": self.error_message(status, received), "status": name}}
