"""Hybrids of an LLM with a model-based optimizer.

llm-tpe (SLLMBO): each trial comes from the LLM with probability p (seeded coin), else from TPE;
the first trial comes from the LLM (SLLMBO's LLM initialisation); both are told every result.
Options from SLLMBO: `patience` (stop after that many trials without improvement: patience.py's
`PatienceStop`, shared with the plain `llm` optimizer) and `narrow_every` (every n results the LLM
proposes narrower numeric ranges, intersected with the original ones, which TPE then samples).

llm-init-gp (Zhang et al.): the first k proposals come from the LLM, then GP-BO continues,
warm-started with every result so far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from llmhpo.gateway.types import Message, Request
from llmhpo.harness.optimizers import prompts
from llmhpo.harness.optimizers.ask_tell import Optimizer, Proposal, ValidationResult
from llmhpo.harness.optimizers.calls import record_call
from llmhpo.harness.optimizers.llm import LLMOptimizer, LLMOptions
from llmhpo.harness.optimizers.parse import extract
from llmhpo.harness.optimizers.patience import PatienceOptions, PatienceStop
from llmhpo.harness.optimizers.plugin import DesignSize, OptimizerPlugin, design_size
from llmhpo.harness.optimizers.skopt_bo import GPSettings, SkoptOptimizer
from llmhpo.harness.optimizers.tpe import TPEOptimizer
from llmhpo.harness.optimizers.transcript import NARROWING, TellCall
from llmhpo.harness.revisions import Revisions
from llmhpo.harness.space import SearchSpace

if TYPE_CHECKING:
    from llmhpo.gateway.client import LLMClient
    from llmhpo.harness.benchmarks.base import Benchmark

COIN_STREAM = 104_729


def narrowed_space(space: SearchSpace, proposal: dict[str, Any]) -> tuple[SearchSpace, list[str]]:
    """Intersect LLM-proposed [lo, hi] ranges with the original numeric bounds; ignore bad ones."""
    params, notes = [], []
    for p in space.params:
        rng = proposal.get(p.name)
        if p.ranged and isinstance(rng, list | tuple) and len(rng) == 2:
            narrowed = p.narrowed(rng[0], rng[1])
            if narrowed is not None:
                params.append(narrowed)
                notes.append(f"{p.name}: [{narrowed.lo}, {narrowed.hi}]")
                continue
            notes.append(f"{p.name}: proposed range {rng!r} ignored")
        params.append(p)
    return SearchSpace(params, fixed=space.fixed), notes


def as_shown(llm: LLMOptimizer, proposal: Proposal) -> Proposal:
    """Proposals revision 2: a classical proposal of a hybrid is evaluated as the LLM's prompts show
    it, like the LLM's own (the prompt's history stays exact); revision 1: unchanged."""
    if not llm.exact:
        return proposal
    return Proposal(llm.evaluated(proposal.config), proposal.source, proposal.transcript)


class LLMTPEOptions(PatienceOptions, LLMOptions):
    p: float = Field(0.5, ge=0.0, le=1.0, description="probability that a trial comes from the LLM")
    n_initial: DesignSize | None = None
    narrow_every: int = Field(0, ge=0, description="ask the LLM for narrower ranges every n results; 0 = never")


class LLMInitGPOptions(LLMOptions):
    k: DesignSize | None = None
    gp_settings: GPSettings = "fast"


class LLMHybrid(OptimizerPlugin):
    """Plugin part of a hybrid: `build` makes the LLM proposer from the shared options, `combine` the rest."""

    uses_llm = True

    @classmethod
    def build(cls, options: Any, *, space: SearchSpace, seed: int, budget: int, task: Benchmark | None = None,
              model: str | None = None, gateway: LLMClient | None = None, revisions: Revisions | None = None,
              **_: Any) -> Optimizer:
        llm = LLMOptimizer(space, seed, budget, model=model, gateway=gateway, task=task, options=options,
                           revisions=revisions)
        return cls.combine(llm, options, space=space, seed=seed, budget=budget)

    @classmethod
    def combine(cls, llm: LLMOptimizer, options: Any, *, space: SearchSpace, seed: int, budget: int) -> Optimizer:
        raise NotImplementedError


class LLMTPE(LLMHybrid, PatienceStop):
    name = "llm-tpe"
    Options = LLMTPEOptions

    @classmethod
    def combine(cls, llm: LLMOptimizer, options: LLMTPEOptions, *, space: SearchSpace, seed: int, budget: int) -> LLMTPE:
        return cls(space, seed, llm=llm, n_initial=design_size(options.n_initial, budget), p=options.p,
                   patience=options.patience, narrow_every=options.narrow_every)

    def __init__(
        self, space: SearchSpace, seed: int, *, llm: LLMOptimizer, n_initial: int, p: float, patience: int,
        narrow_every: int,
    ) -> None:
        self.space, self.llm, self.p = space, llm, float(p)
        self.tpe = TPEOptimizer(space, seed, n_initial=n_initial)
        self._coin = np.random.default_rng([int(seed) % 2**32, COIN_STREAM])
        self._start_patience(patience)
        self.narrow_every = int(narrow_every)
        self._told = 0
        self.calls: list[TellCall] = []  # the narrowing calls made in tell(), as recorded
        self._drained = 0

    def ask(self) -> Proposal:
        use_llm = self._told == 0 and not self.llm.history or self._coin.random() < self.p
        return self.llm.ask() if use_llm else as_shown(self.llm, self.tpe.ask())

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        self.llm.tell(config, result)
        self.tpe.tell(config, result)
        self._told += 1
        self._observed(result.loss)
        if self.narrow_every and self._told % self.narrow_every == 0:
            self._narrow()

    @property
    def narrowing(self) -> list[dict[str, Any]]:
        """The narrowing calls so far, as journaled (for inspection)."""
        return [call.to_json() for call in self.calls]

    def drain_calls(self) -> list[dict[str, Any]]:
        """LLM calls made in tell() (narrowing) since the last drain, for the campaign journal."""
        new, self._drained = self.calls[self._drained :], len(self.calls)
        return [call.to_json() for call in new]

    def _narrow(self) -> None:
        """Ask the LLM for narrower numeric ranges and hand them to TPE (recorded in `calls`)."""
        numeric = [p.name for p in self.space.params if p.ranged]
        if not numeric:
            return
        spec = self.llm.spec
        text = spec.text(
            "narrow", intro=spec.intro(), history=prompts.history_block(spec, self.llm.history),
            keys=", ".join(f'"{n}"' for n in numeric),
        )
        request = Request(model=self.llm.model, messages=(Message.text("user", text),), temperature=self.llm.temperature,
                          max_tokens=self.llm.max_tokens, seed=self.llm.seed, replicate=self._told)
        # the fingerprint is taken before the call: a failed attempt keeps it, so a resume or replay
        # answers it from the record (harness/campaign/recorded_attempts.py)
        head = TellCall.new(kind=NARROWING, after=self._told, messages=[m.key_view() for m in request.messages],
                            fingerprint=self.llm.gateway.fingerprint(request))
        record, response = record_call(self.llm.gateway, request, head)  # a refusal stops the run
        if response is not None:
            found, _ = extract(response.text, numeric)
            if found:
                narrowed, notes = narrowed_space(self.space, found)
                self.tpe.narrow(narrowed)
                record = record.set(ranges=tuple(notes))
        self.calls.append(record)


class LLMInitGP(LLMHybrid):
    name = "llm-init-gp"
    Options = LLMInitGPOptions

    @classmethod
    def combine(cls, llm: LLMOptimizer, options: LLMInitGPOptions, *, space: SearchSpace, seed: int,
                budget: int) -> LLMInitGP:
        return cls(space, seed, llm=llm, k=design_size(options.k, budget), gp_settings=options.gp_settings)

    def __init__(self, space: SearchSpace, seed: int, *, llm: LLMOptimizer, k: int, gp_settings: GPSettings) -> None:
        self.llm, self.k = llm, int(k)
        self.gp = SkoptOptimizer(space, seed, kind="gp", design=[], settings=gp_settings)
        self._asked = 0

    def ask(self) -> Proposal:
        self._asked += 1
        return self.llm.ask() if self._asked <= self.k else as_shown(self.llm, self.gp.ask())

    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        self.llm.tell(config, result)
        self.gp.tell(config, result)
