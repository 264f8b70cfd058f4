"""RecordedAttempts follows one run's record: failures (and unstorable replies) from the journal,
in order per request fingerprint; everything else, and anything past the record, from the gateway."""

from __future__ import annotations

import pytest

from llmhpo.cache.errors import CacheMiss
from llmhpo.cache.store import CacheStore
from llmhpo.gateway import Gateway, Message, Request
from llmhpo.harness.campaign.recorded_attempts import RecordedAttempts, RecordedFailure
from llmhpo.harness.optimizers.calls import failure_text

REQUEST = Request(model="openai/gpt-4o-mini", messages=(Message.text("user", "propose a config"),))
OTHER = Request(model="openai/gpt-4o-mini", messages=(Message.text("user", "something else"),))


@pytest.fixture
def gateway(tmp_path):
    store = CacheStore(tmp_path / "c")
    gw = Gateway(cache_dir=store, mode="replay")
    fp = gw.fingerprint(REQUEST)
    store.put(fp, {"text": '{"x1": 1.0}', "finish_reason": "stop", "usage": {}, "model_served": "m",
                   "latency_s": 0.1, "cost_usd": 0.0}, request=REQUEST.key_view())
    yield gw, fp
    gw.close()
    store.close()


def test_failures_then_success_in_recorded_order(gateway):
    gw, fp = gateway
    record = {0: {"attempts": [{"fingerprint": fp, "error": "ProviderError: openai/gpt-4o-mini failed after 2 attempts"},
                               {"fingerprint": fp, "reply": "", "finish_reason": "stop", "usage": {}}]},
              1: {"attempts": [{"fingerprint": fp, "reply": '{"x1": 1.0}', "finish_reason": "stop"}]}}
    run = RecordedAttempts(gw, record)
    with pytest.raises(RecordedFailure) as failed:
        run.complete(REQUEST)
    assert failure_text(failed.value) == "ProviderError: openai/gpt-4o-mini failed after 2 attempts"
    empty = run.complete(REQUEST)  # the recorded empty reply, never cached
    assert empty.text == "" and empty.cache_hit and empty.cost_usd == 0.0
    assert run.complete(REQUEST).text == '{"x1": 1.0}'  # recorded success: from the cache
    assert run.complete(REQUEST).text == '{"x1": 1.0}'  # past the record: the gateway as usual
    assert run.answered == 2 and run.pending == 0
    with pytest.raises(CacheMiss):
        run.complete(OTHER)  # never recorded: strict replay misses, nothing is made up
    assert run.capabilities("openai/gpt-4o-mini") == gw.capabilities("openai/gpt-4o-mini")
    # what an optimizer uses of a gateway is declared and forwarded, nothing else passes through
    assert run.fingerprint(OTHER) == gw.fingerprint(OTHER) and run.ledger is gw.ledger and run.mode is gw.mode
    assert run.store is gw.store and "__getattr__" not in vars(RecordedAttempts)
    with pytest.raises(AttributeError):
        run.close  # noqa: B018 (the gateway's own life is its owner's business)


def test_a_refusal_is_not_replayed(gateway):
    gw, _ = gateway
    fp = gw.fingerprint(OTHER)
    run = RecordedAttempts(gw, {0: {"attempts": [{"fingerprint": fp, "error": "ProviderRefused: HTTP 400"}]}})
    with pytest.raises(CacheMiss):
        run.complete(OTHER)
    assert run.answered == 0
