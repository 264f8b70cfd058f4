"""The one read-through policy shared by LLM calls and evaluations.

Why one function: the gateway and the evaluation cache must agree exactly on what each mode
means, and on the rule that a failed compute() leaves nothing behind (callers raise instead of
returning partial values, so an exception simply skips the store).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmhpo.cache.errors import CacheError, CacheMiss
from llmhpo.cache.key import canonical_json

if TYPE_CHECKING:
    from llmhpo.cache.store import CacheStore


class Mode(enum.Enum):
    """LIVE: read-through. REPLAY: strict, a miss raises. RECORD: always compute, overwrite. OFF: no cache."""

    LIVE = "live"
    REPLAY = "replay"
    RECORD = "record"
    OFF = "off"

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The mode names, in declaration order: the one list CLI choices, specs and plugins offer."""
        return tuple(m.value for m in cls)

    @classmethod
    def parse(cls, text: str | Mode) -> Mode:
        """Mode from its name (case-insensitive); CacheError listing the choices otherwise."""
        if isinstance(text, Mode):
            return text
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            choices = ", ".join(cls.names())
            raise CacheError(f"unknown cache mode {text!r}; choose one of {choices}") from None

    def __str__(self) -> str:
        return self.value

    @property
    def reads(self) -> bool:
        """Answers from the cache when it can (LIVE, REPLAY)."""
        return self in (Mode.LIVE, Mode.REPLAY)

    @property
    def writes(self) -> bool:
        """Stores what it computes (LIVE, RECORD)."""
        return self in (Mode.LIVE, Mode.RECORD)


def as_json_value(value: dict[str, Any]) -> dict[str, Any]:
    """The JSON round trip of `value`, so a live result equals what a later replay returns."""
    if not isinstance(value, dict):
        raise TypeError(f"compute() must return a dict, got {type(value).__name__}")
    return json.loads(canonical_json(value))


def resolve(
    store: CacheStore | None,
    mode: Mode | str,
    key: str,
    compute: Callable[[], dict[str, Any]],
    *,
    namespace: str = "llm",
    summary: Callable[[], str] | str = "",
    request: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Return (value, hit) for `key` under `mode`.

    `summary` (a string or a zero-argument callable, only evaluated on a REPLAY miss) describes
    the request for the CacheMiss message; `request` is the canonical request stored alongside.
    A corrupt entry raises CorruptEntry in LIVE and REPLAY rather than being served or silently
    replaced; RECORD overwrites it.
    """
    mode = Mode.parse(mode)
    if mode is Mode.OFF:
        return as_json_value(compute()), False
    if store is None:
        raise CacheError(f"cache mode {mode.value} needs a cache directory")
    if mode.reads:
        stored = store.get(key, namespace)
        if stored is not None:
            return stored, True
        if mode is Mode.REPLAY:
            text = summary() if callable(summary) else summary
            model = request.get("model") if isinstance(request, dict) else None
            raise CacheMiss(key, text, model if isinstance(model, str) else None)
    value = as_json_value(compute())
    if mode.writes:
        store.put(key, value, namespace, request=request)
    return value, False
