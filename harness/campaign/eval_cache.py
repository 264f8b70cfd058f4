"""The campaign's evaluation cache: the two steps of `cache.modes` around the executor.

Why split: in a campaign the compute (training a model) runs in the executor, on another process
or machine, while every cache read and write stays on the driver thread. So `lookup`
(`cache.modes.lookup`: a hit, None to compute, CacheMiss in strict REPLAY) runs before the
evaluation is sent out and `save` (`cache.modes.record`: what the mode writes, never a crash, so a
transient failure is retried next time instead of replayed) when the result comes back. `recorded`
reads the stored result of a trial the journal already holds, which resume and replay compare and
tell (in RECORD too: a resumed run tells what it recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmhpo.cache.errors import CacheMiss
from llmhpo.cache.modes import Mode, Store, lookup, record
from llmhpo.harness.benchmarks.base import Evaluation
from llmhpo.harness.campaign.evaluation import NAMESPACE, storable


@dataclass
class EvalCache:
    """Evaluations by key (`harness.campaign.evaluation.eval_request` fingerprints) under one cache mode."""

    store: Store | None
    mode: Mode

    @property
    def reads(self) -> bool:
        """Whether `lookup` consults the store (counted as an eval-cache lookup)."""
        return self.mode.reads

    def lookup(self, key: str, request: dict[str, Any], what: str = "evaluation") -> Evaluation | None:
        """The stored evaluation, or None when it must be computed; CacheMiss on a strict REPLAY miss."""
        stored = lookup(self.store, self.mode, key, namespace=NAMESPACE, request=request,
                        summary=lambda: f"{what} {request}")
        return None if stored is None else Evaluation.from_dict(stored)

    def save(self, key: str, request: dict[str, Any], evaluation: Evaluation) -> None:
        """Store a computed evaluation when the mode writes; crashed evaluations are never stored."""
        record(self.store, self.mode, key, evaluation.to_dict(), namespace=NAMESPACE, request=request,
               storable=storable(evaluation))

    def recorded(self, key: str, request: dict[str, Any], *, strict: bool) -> Evaluation | None:
        """The stored evaluation of an already journaled trial (None: tell the journaled result);
        `strict` (replay) makes a miss an error, since the replay must prove the cache holds it."""
        if self.store is None or self.mode is Mode.OFF:
            return None
        stored = self.store.get(key, NAMESPACE)
        if stored is None and strict:
            raise CacheMiss(key, f"evaluation {request}", None)
        return Evaluation.from_dict(stored) if stored is not None else None
