"""Anthropic messages wire format (POST /v1/messages)."""

from __future__ import annotations

from typing import Any

from tests.servers.base import Received, RecordingServer


class AnthropicServer(RecordingServer):
    def reply(self, received: Received, text: str, truncated: bool) -> dict[str, Any]:
        body = received.body if isinstance(received.body, dict) else {}
        return {
            "id": f"msg_test_{len(self.received)}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-test"),
            "content": [{"type": "text", "text": text}],
            "stop_reason": "max_tokens" if truncated else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 13, "output_tokens": 5},
        }

    def error_body(self, status: int, received: Received) -> dict[str, Any]:
        return {
            "type": "error",
            "error": {"type": "test_error", "message": self.error_message(status, received)},
        }
