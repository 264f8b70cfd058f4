"""What both wire formats share: a client error, image decoding, SSE framing, text chunking."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.images import image_from_bytes
from llmhpo.gateway.types import ImagePart, Message, Part, Request, Role, TextPart

# Replies are streamed in pieces of about this many characters (whole words where possible).
CHUNK_CHARS = 24


@dataclass(frozen=True)
class Parsed:
    """A client's request in llmhpo terms, plus how the client wants the reply delivered."""

    request: Request
    client_model: str
    stream: bool
    include_usage: bool


class BadRequest(ConfigurationError):
    """The client's request cannot be served as sent: HTTP 400 in the provider's error format."""

    def __init__(self, message: str, param: str | None = None) -> None:
        self.param = param
        super().__init__(message)


def expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """`value` if it has the JSON type `kind` (true/false is not a number), else BadRequest naming it."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        wanted = " or ".join(_JSON_NAMES.get(k, k.__name__) for k in kinds)
        raise BadRequest(f"{where} must be {wanted}, got {json.dumps(value)[:80]}", param=where)
    return value


_JSON_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    dict: "an object",
    list: "an array",
    bool: "true or false",
}


def temperature_of(body: dict[str, Any], default: float) -> float:
    """The request's temperature; absent or null means the provider's default (both APIs: 1.0)."""
    value = body.get("temperature")
    return default if value is None else expect(value, (int, float), "temperature")


def image_from_base64(data: Any, mime: str | None, where: str) -> ImagePart:
    """An ImagePart from base64 text; the MIME type is checked against the bytes themselves."""
    expect(data, str, where)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"{where} is not valid base64", param=where) from None
    part = image_from_bytes(raw, source=where)
    if mime and mime.lower() != part.mime:
        raise BadRequest(f"{where} says {mime} but the bytes are {part.mime}", param=where)
    return part


def image_from_data_url(url: Any, where: str) -> ImagePart:
    """An ImagePart from a `data:image/...;base64,` URL. Remote URLs are refused: the proxy never
    fetches anything itself (a replay must not depend on a third-party server)."""
    expect(url, str, where)
    head, sep, data = url.partition(",")
    if not (sep and head.startswith("data:") and head.endswith(";base64")):
        raise BadRequest(
            f"{where}: only base64 data URLs (data:image/png;base64,...) are accepted; the proxy does not "
            "fetch remote images",
            param=where,
        )
    return image_from_base64(data, head[len("data:") : -len(";base64")] or None, where)


def message_from_parts(
    role: Role,
    content: Any,
    where: str,
    image_kind: str,
    read_image: Callable[[dict[str, Any], str], ImagePart],
    index: Callable[[int], str] = lambda j: f"[{j}]",
) -> Message:
    """A Message from a string or a list of `text` / `image_kind` parts; BadRequest for anything else."""
    if isinstance(content, str):
        return Message.text(role, content)
    parts: list[Part] = []
    for j, part in enumerate(expect(content, list, f"{where}.content")):
        at = f"{where}.content{index(j)}"
        kind = expect(part, dict, at).get("type")
        if kind == "text":
            parts.append(TextPart(expect(part.get("text"), str, f"{at}.text")))
        elif kind == image_kind:
            parts.append(read_image(part, at))
        else:
            raise BadRequest(f"{at}: content type {kind!r} is not supported (text, {image_kind})", at)
    if not parts:
        raise BadRequest(f"{where}.content: at least one content part is required", f"{where}.content")
    return Message(role, tuple(parts))


def pieces(text: str, size: int = CHUNK_CHARS) -> Iterator[str]:
    """`text` split into consecutive pieces of about `size` characters, cut after spaces."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + 1, end)
            if space > start:
                end = space + 1
        yield text[start:end]
        start = end


def sse(data: dict[str, Any] | str, event: str | None = None) -> bytes:
    """One server-sent event (an `event:` line when named, then `data:` and a blank line)."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return (f"event: {event}\n" if event else "").encode() + f"data: {payload}\n\n".encode()
