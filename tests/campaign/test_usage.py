"""One usage path: a trial's `llm` record is the sum of the call records in its transcript (ask-time
attempts and tell-time calls), built from the gateway's Responses; it must agree with the gateway's
own ledger over the same calls, and keep unknown prices unknown."""

from __future__ import annotations

import json

from llmhpo.gateway.gateway import Tally
from llmhpo.gateway.types import Response, Usage
from llmhpo.harness.usage import call_fields, columns, summarize, trial_usage


def _response(prompt: int, completion: int, cost: float | None, *, hit: bool = False) -> Response:
    return Response(text="{}", finish_reason="stop", usage=Usage(prompt, completion), model_served="m", latency_s=0.1,
                    cost_usd=0.0 if hit else cost, would_have_cost_usd=cost, cache_hit=hit)


def _tally(responses: list[Response]) -> Tally:
    tally = Tally()
    for response in responses:
        tally.add(response)
    return tally


def test_a_transcript_sums_to_what_the_gateway_ledger_counted():
    asked = [_response(120, 30, 0.00123), _response(140, 20, 0.0007, hit=True)]
    told = [_response(80, 10, 1.1e-05)]
    transcript = {"attempts": [{"replicate": 0, **call_fields(r)} for r in asked] + [{"error": "timeout"}],
                  "tell_calls": [{"kind": "narrowing", **call_fields(r)} for r in told] + [{"kind": "narrowing", "error": "500"}]}
    llm = trial_usage(json.loads(json.dumps(transcript)))  # as read back from the journal
    ledger = _tally(asked + told)
    assert llm["calls"] == ledger.calls + 2 == 5 and llm["failures"] == 2
    assert (llm["cache_hits"], llm["prompt_tokens"], llm["completion_tokens"]) == (1, 340, 60)
    assert llm["cost_usd"] == round(ledger.cost_usd, 10) == round(0.00123 + 1.1e-05, 10)  # the hit cost $0 now
    assert llm["would_have_cost_usd"] == round(ledger.would_have_cost_usd, 10)
    # the journal's key order (the ask part plus the tell part)
    assert list(llm) == ["calls", "cache_hits", "prompt_tokens", "completion_tokens", "failures", "cost_usd",
                         "would_have_cost_usd"]


def test_an_unknown_price_makes_the_trial_cost_unknown_not_zero():
    transcript = {"attempts": [call_fields(_response(10, 5, 0.001))], "tell_calls": [call_fields(_response(10, 5, None))]}
    llm = trial_usage(transcript)
    assert llm["cost_usd"] is None and llm["would_have_cost_usd"] is None and llm["calls"] == 2
    assert summarize(transcript["attempts"])["cost_usd"] == 0.001  # the ask part alone is priced


def test_a_classical_proposal_has_a_zero_record_and_the_report_columns_read_it():
    assert trial_usage(None) == {"calls": 0, "cache_hits": 0, "prompt_tokens": 0, "completion_tokens": 0, "failures": 0,
                                 "cost_usd": 0.0, "would_have_cost_usd": 0.0}
    assert columns(None) == {"llm_calls": 0, "llm_cache_hits": 0, "prompt_tokens": 0, "completion_tokens": 0,
                             "cost_usd": None, "would_have_cost_usd": None, "llm_failures": 0}
    narrowing_only = trial_usage({"tell_calls": [call_fields(_response(50, 7, 0.002))]})
    assert columns(narrowing_only)["llm_calls"] == 1 and columns(narrowing_only)["cost_usd"] == 0.002
