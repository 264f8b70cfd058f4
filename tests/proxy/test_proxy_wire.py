"""The exact bytes clients parse: SSE sequences of both formats, reply bodies, ids stable on replay."""

from __future__ import annotations

from proxy_helpers import ANTHROPIC_MODEL, OPENAI_MODEL, post, sse_events, sse_json

from llmhpo.gateway.proxy.wire import pieces


def test_openai_stream_chunks_and_done(make_proxy, upstream_openai):
    proxy = make_proxy("live", upstreams={"openai": upstream_openai.url})
    body = {"model": OPENAI_MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    for source in ("live", "hit"):
        r = post(f"{proxy.url}/v1/chat/completions", json={**body, "stream_options": {"include_usage": True}})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["x-llmhpo-cache"] == source
        events = sse_events(r.text)
        assert events[-1] == (None, "[DONE]") and all(name is None for name, _ in events)
        chunks = sse_json(r.text)
        assert {c["object"] for c in chunks} == {"chat.completion.chunk"} and len(
            {c["id"] for c in chunks}
        ) == 1
        assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
        assert text == "hello from the test server"
        assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "stop"
        assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 18
    plain = post(f"{proxy.url}/v1/chat/completions", json={**body, "stream": False}).json()
    assert plain["object"] == "chat.completion" and plain["id"] == chunks[0]["id"]  # id from the fingerprint
    no_usage = sse_json(post(f"{proxy.url}/v1/chat/completions", json=body).text)
    assert all("usage" not in c for c in no_usage)
    assert len(upstream_openai.received) == 1  # stream or not, one key, one live call


def test_anthropic_stream_is_the_real_event_sequence(make_proxy, upstream_anthropic):
    proxy = make_proxy("live", upstreams={"anthropic": upstream_anthropic.url})
    body = {"model": ANTHROPIC_MODEL, "max_tokens": 32, "messages": [{"role": "user", "content": "hi"}]}
    r = post(f"{proxy.url}/v1/messages", json={**body, "stream": True})
    events = sse_events(r.text)
    names = [name for name, _ in events]
    deltas = names.count("content_block_delta")
    assert deltas >= 2
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * deltas,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    payloads = sse_json(r.text)
    assert [p["type"] for p in payloads] == names  # each data's type repeats its event name
    start, end = payloads[0]["message"], payloads[-2]
    assert start["usage"]["input_tokens"] == 13 and start["content"] == [] and start["stop_reason"] is None
    assert end["delta"]["stop_reason"] == "end_turn" and end["usage"]["output_tokens"] == 5
    text = "".join(p["delta"]["text"] for p in payloads if p["type"] == "content_block_delta")
    assert text == "hello from the test server"
    reply = post(f"{proxy.url}/v1/messages", json=body).json()
    assert reply["id"] == start["id"] and reply["content"] == [{"type": "text", "text": text}]
    assert reply["usage"] == {"input_tokens": 13, "output_tokens": 5}


def test_pieces_cover_the_text_exactly():
    text = "a fairly long reply that must be cut into several pieces without losing a single character"
    parts = list(pieces(text, size=10))
    assert "".join(parts) == text and len(parts) > 5 and all(len(p) <= 10 for p in parts)
    assert list(pieces("")) == [] and list(pieces("x" * 25, size=10)) == ["x" * 10, "x" * 10, "x" * 5]
