"""The dry run of one run: the real optimizer and the real prompt templates, no provider, no training.

Why simulate instead of a formula: how many LLM calls a run makes (llm-tpe's seeded coin, its
narrowing calls, an initial design without the LLM) and how long its prompts grow (the chat history
adds a reply and a feedback line per trial) are the optimizer's own business; running the optimizer
against a gateway that answers locally counts them the way the campaign will make them.

What the simulated gateway answers: the cached reply when the cache holds the exact request (and
every request before it on this run was cached too: the "path" the campaign will follow), else a
seeded random config in the space, written as the optimizer's own compact form. Evaluations: the
cached result on the path, else a random loss seeded by the evaluation's key. Both are functions of
the request, as a temperature-0 model and a deterministic benchmark are, so runs that ask the same
(llm and llm-tpe share their first asks) share them here too, and the calls the provider would see
(`sent`) are counted like the campaign's cache will serve them. Later prompts differ from the real
ones in their numbers, not in their length. Tokens are estimated as characters / 4 (+4 per message,
`IMAGE_TOKENS` per image): the usual rule of thumb for English text and JSON.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from llmhpo.cache.key import fingerprint as digest
from llmhpo.gateway.types import ImagePart, Request, Response, TextPart, Usage
from llmhpo.harness.campaign.evaluation import eval_request, request_key

if TYPE_CHECKING:
    from llmhpo.cache.modes import Store
    from llmhpo.gateway.capabilities import Capabilities
    from llmhpo.gateway.gateway import Gateway
    from llmhpo.gateway.providers.base import Provider
    from llmhpo.harness.benchmarks.base import Benchmark
    from llmhpo.harness.space import SearchSpace
    from llmhpo.harness.spec.campaign_spec import RunSpec

CHARS_PER_TOKEN = 4
MESSAGE_TOKENS = 4  # role and separators, per message
IMAGE_TOKENS = 800  # one plot (OpenAI high detail ~765, Gemini 258, Anthropic ~1,000 for a 800x600 plot)


def approx_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def request_tokens(request: Request) -> int:
    total = 0
    for message in request.messages:
        total += MESSAGE_TOKENS
        for part in message.content:
            if isinstance(part, TextPart):
                total += approx_tokens(part.text)
            elif isinstance(part, ImagePart):
                total += IMAGE_TOKENS
    return total


@dataclass
class RunTally:
    """What the dry run of one run counted."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    sent: int = 0  # calls that reach the provider: not cached, not asked before in this campaign
    sent_prompt_tokens: int = 0
    sent_completion_tokens: int = 0
    llm_checked: int = 0  # requests looked up in the cache (those on the path)
    llm_hits: int = 0
    evals_checked: int = 0
    eval_hits: int = 0
    max_tokens: list[int] = field(default_factory=list)


class PlanGateway:
    """An LLMClient (gateway/client.py): capabilities and fingerprints from a real (mode OFF) gateway,
    replies local."""

    def __init__(self, real: Gateway, store: Store | None, tally: RunTally, space: SearchSpace, seed: int,
                 seen: set[str]) -> None:
        self.real, self.store, self.tally, self.space, self.seen = real, store, tally, space, seen
        self.mode = real.mode
        self.on_path = store is not None

    def capabilities(self, model: str) -> Capabilities:
        return self.real.capabilities(model)

    def provider(self, model: str) -> Provider:
        return self.real.provider(model)

    def fingerprint(self, request: Request) -> str:
        return self.real.fingerprint(request)

    def complete(self, request: Request, *, api_key: str | None = None) -> Response:
        from llmhpo.harness.optimizers.prompts import compact

        self.tally.calls += 1
        prompt = request_tokens(request)
        key = self.real.fingerprint(request)
        stored = None
        if self.on_path and self.store is not None:  # on the path only with a store
            self.tally.llm_checked += 1
            stored = self.store.get(key, "llm")
            self.on_path = stored is not None
        if stored is not None:
            self.tally.llm_hits += 1
            text = str(stored.get("text") or "")
        else:  # a function of the request, as a temperature-0 model's reply: runs asking the same share it
            text = compact(self.space.sample(np.random.default_rng(int(key[:12], 16))), self.space)
        completion = approx_tokens(text)
        self.tally.prompt_tokens += prompt
        self.tally.completion_tokens += completion
        if stored is None and key not in self.seen:  # another run asking the same is served by the cache
            self.tally.sent += 1
            self.tally.sent_prompt_tokens += prompt
            self.tally.sent_completion_tokens += completion
        self.seen.add(key)
        return Response(text=text, finish_reason="stop", usage=Usage(prompt, completion), model_served=request.model,
                        latency_s=0.0, cost_usd=None, would_have_cost_usd=None, cache_hit=stored is not None,
                        fingerprint=key)


def simulate(run: RunSpec, bench: Benchmark, real_gateway: Gateway, store: Store | None, *, uses_llm: bool,
             budget_s: float = 60.0, seen: set[str] | None = None) -> RunTally:
    """Dry-run `run`: LLM calls and tokens (runs with a model) and cache hits along the path.

    A run without a model stops at its first evaluation the cache does not hold (nothing more to
    count); `budget_s` bounds the time spent on one run (a hybrid's GP fits); `seen`: the request
    fingerprints of the runs simulated before (shared: identical requests are sent once).
    """
    from llmhpo.harness import optimizers
    from llmhpo.harness.optimizers.ask_tell import ValidationResult

    tally = RunTally()
    gateway = PlanGateway(real_gateway, store, tally, bench.space, run.seed, set() if seen is None else seen) if uses_llm else None
    opt = optimizers.create(run.optimizer_name, space=bench.space, seed=run.seed, budget=run.budget, task=bench,
                            model=run.model, gateway=gateway, workdir=None, **run.options)
    on_path = store is not None
    start = time.monotonic()
    for _ in range(run.budget):
        if opt.stopped or time.monotonic() - start > budget_s:
            break
        proposal = opt.ask()
        loss = None
        try:
            key = request_key(eval_request(bench, proposal.config, run.seed))
        except Exception:  # an invalid config: the campaign journals it as a crash
            key = digest(repr(proposal.config))
        if on_path and store is not None:  # on the path only with a store
            tally.evals_checked += 1
            stored = store.get(key, "eval")
            on_path = stored is not None
            if stored is not None:
                tally.eval_hits += 1
                loss = float(stored.get("loss", 1.0))
        if loss is None:
            if not uses_llm:
                break
            loss = float(np.random.default_rng(int(key[:12], 16)).uniform(0.0, 1.0))  # same config, same loss
        opt.tell(dict(proposal.config), ValidationResult(loss=loss))
        opt.drain_calls()  # an OptimizerPlugin by type (optimizers.create)
    return tally
