"""Request builders and cache inspection shared by the gateway test modules."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from llmhpo.cache.store import CacheStore
from llmhpo.gateway import Message, Request
from llmhpo.gateway.types import ImagePart, TextPart


def make_png(width: int = 2, height: int = 2, shade: int = 0) -> bytes:
    """A genuine RGB PNG (stdlib zlib only), so image tests send real image bytes."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(b"\x00" + bytes([shade % 256, 80, 160]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG_1X1 = make_png(1, 1)


def ask(model: str, text: str = "Say hi.", *, api_base: str | None = None, **fields: object) -> Request:
    """A one-message request (helper shared by the test modules)."""
    return Request(model=model, messages=(Message.text("user", text),), api_base=api_base, **fields)  # type: ignore[arg-type]


def image_request(model: str, api_base: str, **fields: object) -> Request:
    return Request(
        model=model,
        messages=(
            Message.text("system", "You are a terse assistant."),
            Message("user", (TextPart("What is in this image?"), ImagePart(PNG_1X1, "image/png"))),
        ),
        api_base=api_base,
        **fields,  # type: ignore[arg-type]
    )


def store_keys(path: Path) -> list[str]:
    with CacheStore(path) as store:
        return [e["fingerprint"] for e in store.entries("llm")]
