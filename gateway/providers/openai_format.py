"""Messages in the OpenAI chat format: the wire shape both litellm and llama.cpp's server accept."""

from __future__ import annotations

from typing import Any

from llmhpo.gateway.types import ImagePart, Message, TextPart


def to_openai_message(message: Message) -> dict[str, Any]:
    """A lone text part stays a plain string (what every server accepts); images become data-URL parts,
    which litellm translates for Anthropic and Gemini."""
    if len(message.content) == 1 and isinstance(message.content[0], TextPart):
        return {"role": message.role, "content": message.content[0].text}
    parts: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, ImagePart):
            parts.append({"type": "image_url", "image_url": {"url": part.data_url()}})
        else:
            parts.append({"type": "text", "text": part.text})
    return {"role": message.role, "content": parts}
