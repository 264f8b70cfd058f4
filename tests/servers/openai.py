"""OpenAI chat-completions wire format (POST /chat/completions or /v1/chat/completions)."""

from __future__ import annotations

from typing import Any

from tests.servers.base import Received, RecordingServer


class OpenAIServer(RecordingServer):
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
