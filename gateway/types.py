"""Provider-neutral request and response types: the only shapes that cross the gateway boundary.

Requests are plain data so that `cache.key.fingerprint` can hash them; images carry their bytes
for the provider call but are keyed by content hash (or by a caller's semantic fingerprint).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class TextPart:
    text: str

    def key_view(self) -> dict[str, Any]:
        return {"type": "text", "text": self.text}


class ImagePart:
    """An image attached to a message.

    `fingerprint` lets a caller key the image by what it shows (e.g. hash of plotted data + plot
    version) instead of its bytes, so a plotting-library upgrade does not invalidate recordings.

    Lazy images (`produce=`): the bytes are made on first access of `data`, which only a provider
    call does. A request answered from the cache (a replay, a hit) is keyed by the fingerprint alone,
    so a plot that is never sent is never rendered. A lazy image must therefore have a fingerprint.
    Immutable, like the other parts; equal when mime, fingerprint and bytes are equal.
    """

    __slots__ = ("_data", "_lock", "_produce", "fingerprint", "mime")
    _data: bytes | None
    mime: str
    fingerprint: str | None

    def __init__(self, data: bytes | None = None, mime: str = "image/png", fingerprint: str | None = None, *,
                 produce: Callable[[], bytes] | None = None) -> None:
        if (data is None) == (produce is None):
            raise TypeError("ImagePart takes either its bytes (data) or a function producing them (produce)")
        if produce is not None and not fingerprint:
            raise TypeError("a lazy ImagePart needs a fingerprint: its key cannot wait for bytes not made yet")
        for name, value in (("_data", data), ("_produce", produce), ("_lock", threading.Lock()),
                            ("mime", mime), ("fingerprint", fingerprint)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"ImagePart is immutable (cannot set {name})")

    @property
    def data(self) -> bytes:
        """The image bytes (produced now, once, when the part is lazy)."""
        if self._data is None:
            with self._lock:
                if self._data is None:
                    object.__setattr__(self, "_data", bytes(self._produce()))  # type: ignore[misc]
        return self._data  # type: ignore[return-value]

    @property
    def produced(self) -> bool:
        """Whether the bytes exist yet (always for an eager part)."""
        return self._data is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImagePart):
            return NotImplemented
        return (self.mime, self.fingerprint) == (other.mime, other.fingerprint) and self.data == other.data

    def __hash__(self) -> int:
        return hash((self.mime, self.fingerprint or self.sha256))

    def __repr__(self) -> str:
        size = f"{len(self._data)} bytes" if self._data is not None else "not produced yet"
        return f"ImagePart(mime={self.mime!r}, fingerprint={self.fingerprint!r}, {size})"

    def __reduce__(self) -> tuple[Any, ...]:  # pickled with its bytes (a worker cannot call back)
        return (ImagePart, (self.data, self.mime, self.fingerprint))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    def key_view(self) -> dict[str, Any]:
        if self.fingerprint:
            return {"type": "image", "mime": self.mime, "fingerprint": self.fingerprint}
        return {"type": "image", "mime": self.mime, "sha256": self.sha256}


Part = TextPart | ImagePart


@dataclass(frozen=True)
class Message:
    role: Role
    content: tuple[Part, ...]

    @classmethod
    def text(cls, role: Role, text: str) -> Message:
        return cls(role=role, content=(TextPart(text),))

    @property
    def has_image(self) -> bool:
        return any(isinstance(p, ImagePart) for p in self.content)

    def text_only(self) -> str:
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    def key_view(self) -> dict[str, Any]:
        return {"role": self.role, "content": [p.key_view() for p in self.content]}


@dataclass(frozen=True)
class Request:
    """One chat completion request.

    Everything that can change the reply is a field here and goes into the cache key; transport
    settings (timeout, API key, retries) live on the Gateway/provider and never enter the key.
    `replicate` lets several samples of the same prompt coexist in the cache (seeds of a
    temperature>0 run, re-asks after a bad reply).
    """

    model: str
    messages: tuple[Message, ...]
    temperature: float = 0.0
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: tuple[str, ...] | None = None
    response_schema: dict[str, Any] | None = None
    replicate: int = 0
    api_base: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_image(self) -> bool:
        return any(m.has_image for m in self.messages)

    def key_view(self) -> dict[str, Any]:
        """The canonical, credential-free view of this request used for fingerprints and entries."""
        return {
            "model": self.model,
            "endpoint": strip_credentials(self.api_base),
            "messages": [m.key_view() for m in self.messages],
            "params": {
                "temperature": self.temperature,
                "top_p": self.top_p,
                "max_tokens": self.max_tokens,
                "seed": self.seed,
                "stop": list(self.stop) if self.stop else None,
                "response_schema": self.response_schema,
                "extra": self.extra,
            },
            "replicate": self.replicate,
        }


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Response:
    """A completed reply.

    cost_usd: what this call cost now (0.0 on a cache hit, None when the price is unknown).
    would_have_cost_usd: what the original live call cost (set on hits and live calls alike).
    """

    text: str
    finish_reason: str | None
    usage: Usage
    model_served: str
    latency_s: float
    cost_usd: float | None
    would_have_cost_usd: float | None = None
    cache_hit: bool = False
    fingerprint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "finish_reason": self.finish_reason,
            "usage": {"prompt_tokens": self.usage.prompt_tokens, "completion_tokens": self.usage.completion_tokens},
            "model_served": self.model_served,
            "latency_s": self.latency_s,
            "cost_usd": self.cost_usd,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], **overrides: Any) -> Response:
        u = d.get("usage") or {}
        fields: dict[str, Any] = {
            "text": d["text"],
            "finish_reason": d.get("finish_reason"),
            "usage": Usage(int(u.get("prompt_tokens", 0)), int(u.get("completion_tokens", 0))),
            "model_served": d.get("model_served", ""),
            "latency_s": float(d.get("latency_s", 0.0)),
            "cost_usd": d.get("cost_usd"),
        }
        fields.update(overrides)
        return cls(**fields)


def strip_credentials(api_base: str | None) -> str | None:
    """Drop user:password@ and query strings from an endpoint so keys never reach a cache key."""
    if not api_base:
        return None
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(api_base)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))
