"""Helpers shared by the proxy tests: a real PNG, SSE parsing, reading everything a run wrote."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx

from tests.gateway.gateway_helpers import make_png

# models that accept everything the tests send (images, seed, response_format)
OPENAI_MODEL = "gpt-4o"
ANTHROPIC_MODEL = "claude-sonnet-4-5"  # in litellm's model map with vision (3.5 Sonnet no longer is)
PNG = make_png(3, 2, shade=7)
PNG_B64 = base64.b64encode(PNG).decode()


def sse_events(text: str) -> list[tuple[str | None, str]]:
    """(event name, data) for each server-sent event in `text`."""
    events = []
    for block in text.strip().split("\n\n"):
        name, data = None, []
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
        events.append((name, "\n".join(data)))
    return events


def sse_json(text: str) -> list[dict]:
    return [json.loads(d) for _, d in sse_events(text) if d != "[DONE]"]


def every_byte(*roots: Path) -> bytes:
    files = [p for root in roots for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()]
    assert files, f"nothing written under {roots}"
    return b"".join(p.read_bytes() for p in files)


def post(url: str, **kwargs: object) -> httpx.Response:
    """POST with a timeout that allows for litellm's first call on a busy machine."""
    return httpx.post(url, timeout=60, **kwargs)


def get(url: str, **kwargs: object) -> httpx.Response:
    return httpx.get(url, timeout=60, **kwargs)
