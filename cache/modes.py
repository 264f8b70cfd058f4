"""The one read-through policy shared by LLM calls and evaluations, in two steps.

Why one module: the gateway and the evaluation cache must agree exactly on what each mode means.
Why two steps (`lookup`, then `record`): a campaign's compute (training a model) runs in an
executor, away from the thread that reads and writes the cache, so the policy cannot own the
compute call. A caller looks up; on a miss it computes however it likes and hands the result to
`record`, saying whether it is storable (a reply with text, an evaluation that did not crash). A
compute that raises never reaches `record`, so errors leave nothing behind. `resolve` is the two
steps around a plain synchronous compute whose every result is storable.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from typing import Any, Protocol

from llmhpo.cache.errors import CacheError, CacheMiss
from llmhpo.cache.key import canonical_json


class Store(Protocol):
    """What the read-through policy reads and writes: `cache.store.CacheStore`, or a wrapper around
    one (`harness.publish.packing` passes a store that notes every entry a replay reads). Everything that
    only looks up and records (the gateway, the evaluation cache, a replay, the dry run) takes a
    Store; what needs the disk itself (paths, repair, export) takes a CacheStore."""

    def get(self, key: str, namespace: str = "llm") -> dict[str, Any] | None:
        """The stored value of `key` in `namespace`, None on a miss (CorruptEntry if it does not verify)."""
        ...

    def put(self, key: str, value: dict[str, Any], namespace: str = "llm",
            request: dict[str, Any] | None = None) -> object:
        """Store `value` under `key`, overwriting (with the canonical `request` beside it)."""
        ...


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


def _need_store(store: Store | None, mode: Mode) -> Store:
    if store is None:
        raise CacheError(f"cache mode {mode.value} needs a cache directory")
    return store


def lookup(
    store: Store | None,
    mode: Mode | str,
    key: str,
    *,
    namespace: str = "llm",
    summary: Callable[[], str] | str = "",
    request: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The stored value for `key` when the mode answers from the cache (a hit), else None: compute it.

    LIVE: the stored value or None. REPLAY: the stored value, CacheMiss naming the fingerprint, the
    model and `summary` (a string or a zero-argument callable, evaluated only then) on a miss.
    RECORD: None (always compute). OFF: None, without a store. LIVE, REPLAY and RECORD need a store
    (CacheError otherwise). A corrupt entry raises CorruptEntry in LIVE and REPLAY rather than being
    served or silently replaced; RECORD overwrites it.
    """
    mode = Mode.parse(mode)
    if mode is Mode.OFF:
        return None
    store = _need_store(store, mode)
    if not mode.reads:
        return None
    stored = store.get(key, namespace)
    if stored is None and mode is Mode.REPLAY:
        text = summary() if callable(summary) else summary
        model = request.get("model") if isinstance(request, dict) else None
        raise CacheMiss(key, text, model if isinstance(model, str) else None)
    return stored


def record(
    store: Store | None,
    mode: Mode | str,
    key: str,
    value: dict[str, Any],
    *,
    storable: bool = True,
    namespace: str = "llm",
    request: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store a computed `value` under `key` when the mode writes (LIVE, RECORD: overwriting) and it is
    `storable`; return what the caller should use.

    Unstorable results (an empty reply, a crashed evaluation) are never stored, so the next run
    computes them again instead of replaying a transient failure; they come back as given. A
    storable value comes back as its JSON round trip in every mode, so a live or OFF result equals
    what a later replay returns. `request`, the canonical request, is stored alongside.
    """
    mode = Mode.parse(mode)
    if not storable:
        return value
    value = as_json_value(value)
    if mode.writes:
        _need_store(store, mode).put(key, value, namespace, request=request)
    return value


def resolve(
    store: Store | None,
    mode: Mode | str,
    key: str,
    compute: Callable[[], dict[str, Any]],
    *,
    namespace: str = "llm",
    summary: Callable[[], str] | str = "",
    request: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], bool]:
    """(value, hit) for `key`: `lookup`, else `compute()` then `record` (every computed value storable).

    For a synchronous compute whose failures raise; see `lookup` for `summary` and the errors.
    """
    stored = lookup(store, mode, key, namespace=namespace, summary=summary, request=request)
    if stored is not None:
        return stored, True
    return record(store, mode, key, compute(), namespace=namespace, request=request), False
