"""The campaign's evaluation cache: `cache.modes.resolve` split at the point where training happens.

Why split: in a campaign the compute (training a model) runs in the executor, on another process
or machine, while every cache read and write stays on the driver thread. So the one read-through
policy is applied in two steps: `lookup` before the evaluation is sent out (a hit, None to
compute, CacheMiss in strict REPLAY: the policy of `resolve`, called with a compute that defers),
and `save` when the result comes back (only what the mode writes, only results that did not crash,
so a transient failure is retried next time instead of replayed). `recorded` reads the stored
result of a trial the journal already holds, which resume and replay compare and tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmhpo.cache.errors import CacheMiss
from llmhpo.cache.modes import Mode, resolve
from llmhpo.harness.benchmarks.base import Evaluation
from llmhpo.harness.evaluation import NAMESPACE

if TYPE_CHECKING:
    from llmhpo.cache.store import CacheStore


class _Deferred(Exception):
    """Raised by the compute handed to `resolve`: the evaluation runs in the executor instead."""


def _defer() -> dict[str, Any]:
    raise _Deferred


@dataclass
class EvalCache:
    """Evaluations by key (`harness.evaluation.eval_request` fingerprints) under one cache mode."""

    store: CacheStore | None
    mode: Mode

    @property
    def reads(self) -> bool:
        """Whether `lookup` consults the store (counted as an eval-cache lookup)."""
        return self.store is not None and self.mode.reads

    def lookup(self, key: str, request: dict[str, Any], what: str = "evaluation") -> Evaluation | None:
        """The stored evaluation, or None when it must be computed; CacheMiss on a strict REPLAY miss."""
        if self.store is None:
            return None
        try:
            value, _ = resolve(self.store, self.mode, key, _defer, namespace=NAMESPACE, request=request,
                               summary=lambda: f"{what} {request}")
        except _Deferred:
            return None
        return Evaluation.from_dict(value)

    def save(self, key: str, request: dict[str, Any], evaluation: Evaluation) -> None:
        """Store a computed evaluation when the mode writes; crashed evaluations are never stored."""
        if evaluation.status == "ok" and self.store is not None and self.mode.writes:
            self.store.put(key, evaluation.to_dict(), NAMESPACE, request=request)

    def recorded(self, key: str, request: dict[str, Any], *, strict: bool) -> Evaluation | None:
        """The stored evaluation of an already journaled trial (None: tell the journaled result);
        `strict` (replay) makes a miss an error, since the replay must prove the cache holds it."""
        if self.store is None or self.mode is Mode.OFF:
            return None
        stored = self.store.get(key, NAMESPACE)
        if stored is None and strict:
            raise CacheMiss(key, f"evaluation {request}", None)
        return Evaluation.from_dict(stored) if stored is not None else None
