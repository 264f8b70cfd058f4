"""Real clients (official openai and anthropic SDKs, litellm) pointed at the proxy: record from the
wire-format test servers, stop them, then replay the same calls, streaming and not, with images."""

from __future__ import annotations

import base64

import anthropic
import openai
import pytest
from proxy_helpers import ANTHROPIC_MODEL, OPENAI_MODEL, PNG, PNG_B64

OPENAI_KEY = "sk-client-openai-key-0123456789"
ANTHROPIC_KEY = "sk-ant-client-anthropic-key-0123456789"
SCHEMA = {"type": "object", "properties": {"lr": {"type": "number"}}, "required": ["lr"]}


def openai_calls(client: openai.OpenAI) -> list[str]:
    """Text + seed, image + response_format, and a streamed call; returns the replies' texts."""
    plain = client.chat.completions.create(
        model=OPENAI_MODEL, messages=[{"role": "user", "content": "Say hi."}], temperature=0, seed=7
    )
    image = client.chat.completions.create(
        model=OPENAI_MODEL,
        messages=[
            {"role": "system", "content": "You are terse."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
                ],
            },
        ],
        temperature=0,
        max_tokens=20,
        response_format={"type": "json_schema", "json_schema": {"name": "cfg", "schema": SCHEMA}},
    )
    chunks = list(
        client.chat.completions.create(
            model=OPENAI_MODEL,
            messages=[{"role": "user", "content": "Say hi."}],
            temperature=0,
            seed=7,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].usage.total_tokens == plain.usage.total_tokens == 18
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    return [plain.choices[0].message.content, image.choices[0].message.content, streamed]


def test_openai_sdk_records_then_replays_with_upstream_stopped(upstream_openai, make_proxy):
    upstream_openai.script()
    recorder = make_proxy("record", upstreams={"openai": upstream_openai.url})
    recorded = openai_calls(openai.OpenAI(base_url=f"{recorder.url}/v1", api_key=OPENAI_KEY, max_retries=0))
    assert recorded == ["hello from the test server"] * 3
    # the streamed call asked the same thing as the first: stream is transport, not part of the key
    assert len(upstream_openai.received) == 3
    image_body = upstream_openai.received[1].body
    assert image_body["messages"][1]["content"][1]["image_url"]["url"] == f"data:image/png;base64,{PNG_B64}"
    assert image_body["response_format"]["json_schema"]["schema"] == SCHEMA
    assert upstream_openai.received[0].body["seed"] == 7
    assert {r.headers["Authorization"] for r in upstream_openai.received} == {f"Bearer {OPENAI_KEY}"}
    recorder.stop()
    upstream_url = upstream_openai.url
    upstream_openai.stop()

    replayer = make_proxy("replay", upstreams={"openai": upstream_url})
    client = openai.OpenAI(base_url=f"{replayer.url}/v1", api_key="llmhpo", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model=OPENAI_MODEL, messages=[{"role": "user", "content": "Say hi."}], temperature=0, seed=7
    )
    assert raw.headers["x-llmhpo-cache"] == "hit"
    assert openai_calls(client) == recorded
    stats = replayer.app.state.proxy.stats()
    assert (stats["cache_hits"], stats["live_calls"], stats["misses"]) == (4, 0, 0)
    assert stats["would_have_cost_usd"] == pytest.approx(4 * (11 * 2.5 + 7 * 10.0) / 1e6)
    with pytest.raises(openai.NotFoundError) as info:  # a changed prompt is a miss, not a live call
        client.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "Other."}])
    assert "fingerprint" in str(info.value) and "Other." in str(info.value)


def anthropic_calls(client: anthropic.Anthropic) -> list[str]:
    text = client.messages.create(
        model=ANTHROPIC_MODEL,
        max_tokens=64,
        system="You are terse.",
        messages=[{"role": "user", "content": "Say hi."}],
        stop_sequences=["END"],
        extra_body={"temperature": 0},  # SDK 2.x has no temperature argument; older ones send it so
    )
    image = client.messages.create(
        model=ANTHROPIC_MODEL,
        max_tokens=64,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image?"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64},
                    },
                ],
            }
        ],
    )
    with client.messages.stream(
        model=ANTHROPIC_MODEL,
        max_tokens=64,
        system="You are terse.",
        messages=[{"role": "user", "content": "Say hi."}],
        stop_sequences=["END"],
        extra_body={"temperature": 0},
    ) as stream:
        streamed = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert final.stop_reason == text.stop_reason == "end_turn"
    assert (final.usage.input_tokens, final.usage.output_tokens) == (13, 5)
    return [text.content[0].text, image.content[0].text, streamed]


def test_anthropic_sdk_records_then_replays_with_upstream_stopped(upstream_anthropic, make_proxy):
    recorder = make_proxy("record", upstreams={"anthropic": upstream_anthropic.url})
    recorded = anthropic_calls(
        anthropic.Anthropic(base_url=recorder.url, api_key=ANTHROPIC_KEY, max_retries=0)
    )
    assert recorded == ["hello from the test server"] * 3
    assert len(upstream_anthropic.received) == 3  # record mode always calls
    assert upstream_anthropic.received[2].body == upstream_anthropic.received[0].body  # stream: same request
    sent = upstream_anthropic.received[0]
    assert sent.headers["x-api-key"] == ANTHROPIC_KEY
    assert sent.body["temperature"] == 0 and sent.body["max_tokens"] == 64
    assert sent.body["stop_sequences"] == ["END"]
    assert upstream_anthropic.received[1].body["temperature"] == 1.0  # Anthropic's default when omitted
    [img] = [b for b in upstream_anthropic.received[1].body["messages"][0]["content"] if b["type"] == "image"]
    assert base64.b64decode(img["source"]["data"]) == PNG
    recorder.stop()
    upstream_url = upstream_anthropic.url
    upstream_anthropic.stop()

    replayer = make_proxy("replay", upstreams={"anthropic": upstream_url})
    client = anthropic.Anthropic(base_url=replayer.url, api_key="llmhpo", max_retries=0)
    assert anthropic_calls(client) == recorded
    assert replayer.app.state.proxy.stats()["cache_hits"] == 3
    with pytest.raises(anthropic.NotFoundError) as info:
        client.messages.create(
            model=ANTHROPIC_MODEL, max_tokens=65, messages=[{"role": "user", "content": "Say hi."}]
        )
    assert "max_tokens" in str(info.value) and "fingerprint" in str(info.value)


def test_litellm_client_through_the_proxy(upstream_openai, upstream_anthropic, make_proxy, litellm_loaded):
    litellm = litellm_loaded
    upstreams = {"openai": upstream_openai.url, "anthropic": upstream_anthropic.url}
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe."},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
            ],
        }
    ]

    def calls(url: str, key: str) -> list[str]:
        out = []
        for model, base in ((f"openai/{OPENAI_MODEL}", f"{url}/v1"), (f"anthropic/{ANTHROPIC_MODEL}", url)):
            settings = {
                "api_base": base,
                "api_key": key,
                "temperature": 0,
                "max_tokens": 30,
                "num_retries": 0,
            }
            reply = litellm.completion(model=model, messages=messages, **settings)
            out.append(reply.choices[0].message.content)
            stream = litellm.completion(model=model, messages=messages, stream=True, **settings)
            out.append("".join(c.choices[0].delta.content or "" for c in stream))
        return out

    recorder = make_proxy("record", upstreams=upstreams)
    recorded = calls(recorder.url, "sk-litellm-client-key-0123456789")
    assert recorded == ["hello from the test server"] * 4
    # record mode calls every time; the streamed call is the same request (stream is not keyed)
    assert (len(upstream_openai.received), len(upstream_anthropic.received)) == (2, 2)
    assert upstream_openai.received[0].body == upstream_openai.received[1].body
    recorder.stop()
    upstream_openai.stop()
    upstream_anthropic.stop()
    replayer = make_proxy("replay", upstreams=upstreams)
    assert calls(replayer.url, "llmhpo") == recorded
    stats = replayer.app.state.proxy.stats()
    assert stats["cache_hits"] == 4 and stats["live_calls"] == 0
