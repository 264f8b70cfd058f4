"""Gemini generateContent wire format (POST .../models/<model>:generateContent)."""

from __future__ import annotations

from typing import Any

from tests.servers.base import Received, RecordingServer


class GeminiServer(RecordingServer):
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
        return {"error": {"code": status, "message": self.error_message(status, received), "status": "TEST"}}
