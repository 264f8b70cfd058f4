"""LLM usage: recorded once per call in the proposal's transcript, summed here, read from here.

Why one path: an optimizer's LLM calls happen at ask time (the proposal and its re-asks) and at
tell time (llm-tpe's narrowing, journaled as the transcript's `tell_calls`). Each call's record
carries what the gateway's Response says (tokens, cost now, would-have-cost, cache hit) or the
error; the trial's `llm` summary, the campaign's totals and the report's ledger are all derived
from those records by the functions below, never from a second count.

Money: a cache hit costs $0 now and keeps its would-have-cost; when any answered call's price is
unknown the summary's costs are None (unknown), never $0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from llmhpo.harness.optimizers.transcript import Attempt, Call, TokenUsage, Transcript, usage_fields

if TYPE_CHECKING:
    from llmhpo.gateway.types import Response

_COUNTS = ("calls", "cache_hits", "prompt_tokens", "completion_tokens", "failures")
_COSTS = ("cost_usd", "would_have_cost_usd")


def call_fields(response: Response) -> dict[str, Any]:
    """The usage part of one call's transcript record, as JSON, from the gateway's Response."""
    fields = usage_fields(response)
    return {**fields, "usage": fields["usage"].to_json()}


def summarize(calls: Iterable[Call | Mapping[str, Any]]) -> dict[str, Any]:
    """A trial `llm` record of some call records (typed, or as journaled): counts, and costs rounded
    to 1e-10 dollars, None (unknown) when any answered call's live price is unknown."""
    records = [c if isinstance(c, Call) else Attempt.from_json(c) for c in calls]
    answered = [c for c in records if c.answered]
    cost = would = 0.0
    for call in answered:
        cost += call.cost_usd or 0.0
        would += call.would_have_cost_usd or 0.0
    unpriced = any(c.would_have_cost_usd is None for c in answered)
    return {"calls": len(records), "cache_hits": sum(1 for c in answered if c.cache_hit),
            "prompt_tokens": sum(_usage(c).prompt_tokens for c in answered),
            "completion_tokens": sum(_usage(c).completion_tokens for c in answered),
            "cost_usd": None if unpriced else round(cost, 10), "would_have_cost_usd": None if unpriced else round(would, 10),
            "failures": len(records) - len(answered)}


def _usage(call: Call) -> TokenUsage:
    if call.usage is None:  # an answered call records its usage (the one invariant summing relies on)
        raise ValueError(f"an answered LLM call without usage in its record: {call.to_json()}")
    return call.usage


def add(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Sum of two `llm` records; an unknown cost stays unknown."""
    out = {k: a[k] + b[k] for k in _COUNTS}
    for k in _COSTS:
        out[k] = None if a[k] is None or b[k] is None else round(a[k] + b[k], 10)
    return out


def trial_usage(transcript: Transcript | Mapping[str, Any] | None) -> dict[str, Any]:
    """THE trial `llm` record: every call the transcript records, at ask time (its `attempts`) and at
    tell time (its `tell_calls`)."""
    record = Transcript.read(transcript) or Transcript()
    return add(summarize(record.attempts), summarize(record.tell_calls))


def columns(llm: dict[str, Any] | None) -> dict[str, Any]:
    """A trial `llm` record as the report's columns (zeros and unknown costs for trials without one)."""
    llm = llm or {}
    return {
        "llm_calls": int(llm.get("calls") or 0),
        "llm_cache_hits": int(llm.get("cache_hits") or 0),
        "prompt_tokens": int(llm.get("prompt_tokens") or 0),
        "completion_tokens": int(llm.get("completion_tokens") or 0),
        "cost_usd": llm.get("cost_usd"),
        "would_have_cost_usd": llm.get("would_have_cost_usd"),
        "llm_failures": int(llm.get("failures") or 0),
    }
