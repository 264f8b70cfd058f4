"""A 429 with Retry-After holds back every call to that provider (shared back-off), not just the
call that got it; calls in flight at once are bounded by the per-provider limit."""

from __future__ import annotations

import threading
import time

from gateway_helpers import ask

from llmhpo.gateway.providers.litellm import LiteLLMProvider
from llmhpo.gateway.retry import SharedBackoff
from tests.servers import Behaviour


def _fire(gw, url: str, texts: list[str]) -> list[threading.Thread]:
    threads = [threading.Thread(target=gw.complete, args=(ask("openai/gpt-4o", t, api_base=url),)) for t in texts]
    for t in threads:
        t.start()
    return threads


def test_a_429_holds_back_the_other_calls_to_the_provider(openai_server, make_gateway):
    openai_server.script(Behaviour.error(429, Retry_After="1"))
    gw = make_gateway(backoff_s=0.0)
    first = _fire(gw, openai_server.url, ["first"])
    while not openai_server.received:
        time.sleep(0.005)
    time.sleep(0.2)  # the 429 is back; the others start while the provider is on hold
    others = _fire(gw, openai_server.url, [f"other {i}" for i in range(6)])
    for t in first + others:
        t.join(timeout=20)
    throttled_at = openai_server.received[0].at
    later = openai_server.received[1:]
    assert len(later) == 7  # the retry of the first call and the six others, each once
    assert min(r.at for r in later) - throttled_at >= 0.95, [round(r.at - throttled_at, 2) for r in later]
    assert gw.backoff(ask("openai/gpt-4o", api_base=openai_server.url)).holds == 1


def test_a_hold_on_one_endpoint_does_not_hold_another(make_gateway):
    gw = make_gateway()
    a = gw.backoff(ask("openai/gpt-4o", api_base="http://127.0.0.1:1/v1"))
    b = gw.backoff(ask("openai/gpt-4o", api_base="http://127.0.0.1:2/v1"))
    a.hold(30)
    assert a.remaining_s() > 29 and b.remaining_s() == 0


def test_a_hold_past_the_time_budget_fails_the_attempt_at_once():
    hold = SharedBackoff()
    hold.hold(30)
    start = time.monotonic()
    try:
        hold.wait(time.monotonic() + 1.0, "openai/gpt-4o")
    except Exception as exc:  # noqa: BLE001 - the type is checked below
        assert type(exc).__name__ == "TransientProviderError" and "rate-limited" in str(exc)
    else:
        raise AssertionError("a 30 s hold within a 1 s budget must fail")
    assert time.monotonic() - start < 0.5


def test_calls_in_flight_are_bounded_by_max_concurrency(openai_server, make_gateway):
    openai_server.script(*[Behaviour.hang(0.3)] * 8)
    gw = make_gateway(max_concurrency=3)
    for t in _fire(gw, openai_server.url, [f"q{i}" for i in range(8)]):
        t.join(timeout=20)
    assert len(openai_server.received) == 8
    assert openai_server.max_in_flight == 3


def test_without_max_concurrency_the_providers_own_limit_holds(openai_server, make_gateway):
    openai_server.script(*[Behaviour.hang(0.15)] * 6)
    gw = make_gateway(provider=LiteLLMProvider(max_concurrency=2), mode="off")
    for t in _fire(gw, openai_server.url, [f"q{i}" for i in range(6)]):
        t.join(timeout=20)
    assert len(openai_server.received) == 6
    assert openai_server.max_in_flight == 2


def test_identical_requests_in_flight_at_once_make_one_call(openai_server, make_gateway):
    openai_server.script(Behaviour.hang(0.3))
    gw = make_gateway()
    for t in _fire(gw, openai_server.url, ["same question"] * 4):
        t.join(timeout=20)
    assert len(openai_server.received) == 1  # the others waited and read the stored reply
    assert (gw.ledger.live_calls, gw.ledger.cache_hits) == (1, 3)
    assert gw._flights == {}  # nothing left behind
