"""The text LLM optimizer end to end over real HTTP: a scripted OpenAI-compatible server on
127.0.0.1, the real gateway, cache and litellm. The server's replies stand in for a model's."""

from __future__ import annotations

import json

import pytest

from llmhpo.gateway.errors import ProviderRefused
from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.benchmarks.base import Evaluation
from tests.optimizers.conftest import TEST_KEY, VISION_MODEL, make_gateway
from tests.servers.base import Behaviour

BRANIN = load("toy/branin")


def cfg(x1: float, x2: float) -> str:
    return json.dumps({"x1": x1, "x2": x2})


def run(opt, n: int, task=BRANIN, seed: int = 0) -> list:
    out = []
    for _ in range(n):
        p = opt.ask()
        assert task.space.contains(p.config)
        out.append(p)
        opt.tell(p.config, task.evaluate(p.config, seed))
    return out


def bodies(server) -> list[dict]:
    return [r.body for r in server.received]


def user_texts(body: dict) -> list[str]:
    out = []
    for m in body["messages"]:
        if m["role"] == "user":
            c = m["content"]
            out.append(c if isinstance(c, str) else "".join(p.get("text", "") for p in c))
    return out


def make(name: str, gateway, budget: int = 4, seed: int = 0, **options):
    return optimizers.create(name, task=BRANIN, seed=seed, budget=budget, model=VISION_MODEL, gateway=gateway, **options)


def test_chat_sends_growing_history_and_last_try_once(server, server_gateway) -> None:
    replies = [cfg(1, 2), cfg(3, 4), cfg(-2, 9), cfg(9, 1)]
    server.script(*map(Behaviour.ok, replies))
    proposals = run(make("llm", server_gateway, budget=4, seed=3), 4)
    assert [p.config for p in proposals] == [json.loads(r) for r in replies]
    sent = bodies(server)
    assert len(sent) == 4
    for before, after in zip(sent, sent[1:], strict=False):
        assert after["messages"][: len(before["messages"])] == before["messages"]
        assert len(after["messages"]) == len(before["messages"]) + 2
    assert [m["content"] for m in sent[-1]["messages"] if m["role"] == "assistant"] == replies[:3]
    last_user = user_texts(sent[-1])[-1]
    assert last_user.startswith("This is the last try. loss = ")
    assert sum(t.count("This is the last try.") for t in user_texts(sent[-1])) == 1
    assert all("This is the last try." not in t for b in sent[:-1] for t in user_texts(b))
    assert sent[0]["seed"] == 3 and sent[0]["temperature"] == 0.0
    # hosted models get the papers' free-text protocol by default: no constrained decoding
    assert "response_format" not in sent[0] and proposals[0].transcript["output"] == "text"
    assert proposals[1].transcript["attempts"][0]["reply"] == replies[1]


def test_unusable_replies_are_reasked_then_replaced_by_a_seeded_random_config(server, server_gateway, tmp_path) -> None:
    server.script(Behaviour.ok("I'm sorry, I cannot help."), Behaviour.ok("no"), Behaviour.ok("still no"))
    p = make("llm", server_gateway).ask()
    t = p.transcript
    assert p.source == "llm-fallback" and t["fallback"] is True
    assert [a["replicate"] for a in t["attempts"]] == [0, 1, 2]
    assert [a["reply"] for a in t["attempts"]] == ["I'm sorry, I cannot help.", "no", "still no"]
    reask = user_texts(bodies(server)[1])[-1]
    assert "could not use your reply (no configuration found in the reply)" in reask
    assert bodies(server)[1]["messages"][-2] == {"role": "assistant", "content": "I'm sorry, I cannot help."}
    assert BRANIN.space.contains(p.config)
    # the fallback stream is seeded: same seed, same config
    server.script(*[Behaviour.ok("no")] * 3)
    again = make("llm", make_gateway(server, tmp_path / "other")).ask()
    assert again.config == p.config


def test_a_reask_that_works_is_used(server, server_gateway) -> None:
    server.script(Behaviour.ok("Let me think about it."), Behaviour.ok(cfg(2, 3)))
    p = make("llm", server_gateway).ask()
    assert p.source == "llm" and p.config == {"x1": 2.0, "x2": 3.0}
    assert len(p.transcript["attempts"]) == 2 and p.transcript["attempts"][1]["replicate"] == 1


def test_transient_provider_errors_never_kill_the_run(server, server_gateway) -> None:
    server.script(Behaviour.error(503), Behaviour.error(503), Behaviour.error(503), Behaviour.ok(cfg(5, 5)))
    opt = make("llm", server_gateway)
    first = opt.ask()
    assert first.source == "llm-fallback"
    assert all("ProviderError" in a["error"] for a in first.transcript["attempts"])
    assert first.transcript["totals"]["failures"] == 3
    opt.tell(first.config, BRANIN.evaluate(first.config, 0))
    second = opt.ask()
    assert second.source == "llm" and second.config == {"x1": 5.0, "x2": 5.0}
    # the fallback config is what the model is told about
    assert "random config was evaluated instead" in user_texts(bodies(server)[-1])[-1]


def test_duplicate_on_a_deterministic_task_reasks_once_then_perturbs(server, server_gateway) -> None:
    server.script(*map(Behaviour.ok, [cfg(1, 2), cfg(1, 2), cfg(1.0, 2.0)]))
    opt = make("llm", server_gateway)
    first, second = run(opt, 2)
    assert second.source == "llm-perturbed"
    assert second.config != first.config and BRANIN.space.contains(second.config)
    dup = second.transcript["duplicate"]
    assert dup["resolved_by"] == "perturb" and dup["perturbed_to"] == second.config
    assert "already evaluated" in user_texts(bodies(server)[2])[-1]


def test_duplicate_resolved_by_the_reask(server, server_gateway) -> None:
    server.script(*map(Behaviour.ok, [cfg(1, 2), cfg(1, 2), cfg(4, 4)]))
    _, second = run(make("llm", server_gateway), 2)
    assert second.source == "llm" and second.config == {"x1": 4.0, "x2": 4.0}
    assert second.transcript["duplicate"]["resolved_by"] == "reask"


def test_crash_is_reported_as_worst_loss_and_only_validation_loss_is_sent(server, server_gateway) -> None:
    server.script(*map(Behaviour.ok, [cfg(1, 2), cfg(3, 4), cfg(5, 6)]))
    opt = make("llm", server_gateway)
    p = opt.ask()
    opt.tell(p.config, Evaluation(loss=0.123, test_loss=0.987, cost_s=1.0))
    p = opt.ask()
    opt.tell(p.config, Evaluation(loss=BRANIN.worst_loss, test_loss=None, cost_s=0.0, status="crashed"))
    opt.ask()
    sent = json.dumps(bodies(server))
    assert "1.2300e-01" in sent and "9.87" not in sent
    last = user_texts(bodies(server)[-1])[-1]
    assert "crashed" in last and f"loss = {BRANIN.worst_loss:.4e}." in last


def test_cot_parses_the_config_line_and_sends_no_schema(server, server_gateway) -> None:
    server.script(Behaviour.ok(f"Analysis: start in the middle of the box.\nConfig: {cfg(2.5, 7.5)}"))
    p = make("llm", server_gateway, cot=True).ask()
    assert p.config == {"x1": 2.5, "x2": 7.5}
    body = bodies(server)[0]
    assert "response_format" not in body and body["max_tokens"] == 512
    assert p.transcript["attempts"][0]["parse"]["method"] == "cot"


def test_transcript_is_strict_json_and_free_of_the_api_key(server, server_gateway) -> None:
    server.script(Behaviour.ok('{"x1": 50, "x2": "3"}'))
    p = make("llm", server_gateway).ask()
    text = json.dumps(p.transcript, allow_nan=False)
    assert TEST_KEY not in text
    assert p.transcript["repairs"] and "clipped" in p.transcript["repairs"][0]
    a = p.transcript["attempts"][0]
    assert a["usage"] == {"prompt_tokens": 11, "completion_tokens": 7} and a["cache_hit"] is False
    assert a["messages"][0] == {"role": "system", "content": [{"type": "text", "text": "You are a machine learning expert."}]}


@pytest.mark.parametrize("style", ["chat", "compressed"])
def test_a_replay_reproduces_the_run_without_calls(server, tmp_path, style) -> None:
    server.script(*map(Behaviour.ok, [cfg(1, 2), "??", cfg(3, 4), cfg(3, 4), cfg(3, 4)]))
    live = make_gateway(server, tmp_path / "c")
    first = run(make("llm", live, style=style, seed=1), 3)
    live.close()
    n_calls = len(server.received)
    replay = make_gateway(server, tmp_path / "c", mode="replay")
    second = run(make("llm", replay, style=style, seed=1), 3)
    assert [p.config for p in second] == [p.config for p in first]
    assert [p.source for p in second] == [p.source for p in first]
    assert len(server.received) == n_calls
    assert all(a["cache_hit"] for p in second for a in p.transcript["attempts"])


def test_a_refusal_is_never_a_proposal(server, server_gateway) -> None:
    """A 400 (unsupported parameter, context too long...) propagates: no re-ask, no random config."""
    server.script(Behaviour.error(400), Behaviour.ok(cfg(5, 5)))
    opt = make("llm", server_gateway)
    with pytest.raises(ProviderRefused, match="HTTP 400"):
        opt.ask()
    assert len(server.received) == 1


@pytest.mark.parametrize("output", ["json", "schema"])
def test_output_protocol_is_sent_as_asked(server, server_gateway, output) -> None:
    server.script(Behaviour.ok(cfg(1, 2)))
    p = make("llm", server_gateway, output=output).ask()
    fmt = bodies(server)[0]["response_format"]
    assert fmt["type"] == ("json_object" if output == "json" else "json_schema")
    assert p.transcript["output"] == output and p.config == {"x1": 1.0, "x2": 2.0}
