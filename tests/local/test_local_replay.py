"""The local provider path through the gateway in strict REPLAY: real replies of the embedded
model, recorded in tests/cassettes/test_local_replay.jsonl, served without loading the model.
Re-record with `scripts/record_cassettes.py tests/local/test_local_replay.py`."""

from __future__ import annotations

import json

import pytest

from llmhpo.cache import CacheMiss
from llmhpo.gateway import DEFAULT_MODEL, Gateway, Message, Request

SCHEMA = {
    "type": "object",
    "properties": {"C": {"type": "number"}, "gamma": {"type": "number"}},
    "required": ["C", "gamma"],
    "additionalProperties": False,
}
SVM_PROMPT = (
    "You tune an RBF-kernel SVM. C is in [0.0009765625, 1024] (log scale), gamma is in "
    "[0.0009765625, 1024] (log scale). Propose the next configuration as JSON."
)


def _request(**kw: object) -> Request:
    base: dict[str, object] = {"model": DEFAULT_MODEL, "messages": (Message.text("user", SVM_PROMPT),), "max_tokens": 48}
    base.update(kw)
    return Request(**base)  # type: ignore[arg-type]


def test_schema_constrained_reply_replays_as_json(cassette_gateway: Gateway) -> None:
    r = cassette_gateway.complete(_request(response_schema=SCHEMA))
    config = json.loads(r.text)
    assert set(config) == {"C", "gamma"}
    assert r.model_served == "smollm2-135m" and r.usage.completion_tokens > 0
    if cassette_gateway.mode.name == "REPLAY":
        assert r.cache_hit and r.cost_usd == 0.0 and r.would_have_cost_usd == 0.0


def test_seeded_samples_are_distinct_entries(cassette_gateway: Gateway) -> None:
    a = cassette_gateway.complete(_request(temperature=0.8, seed=1, response_schema=SCHEMA))
    b = cassette_gateway.complete(_request(temperature=0.8, seed=2, response_schema=SCHEMA))
    again = cassette_gateway.complete(_request(temperature=0.8, seed=1, response_schema=SCHEMA))
    assert a.fingerprint != b.fingerprint and again.text == a.text
    assert cassette_gateway.ledger.calls == 3


def test_unrecorded_prompt_is_a_cache_miss(cassette_gateway: Gateway) -> None:
    if cassette_gateway.mode.name != "REPLAY":
        pytest.skip("only meaningful in strict replay")
    with pytest.raises(CacheMiss, match="never recorded"):
        cassette_gateway.complete(_request(messages=(Message.text("user", "never recorded"),)))

