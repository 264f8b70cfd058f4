"""Requests leave the gateway (through litellm) in each provider's real wire format."""

from __future__ import annotations

import base64

from gateway_helpers import PNG_1X1, ask, image_request

SCHEMA = {"type": "object", "properties": {"lr": {"type": "number"}}, "required": ["lr"]}


def test_openai_text_image_params_and_schema(openai_server, make_gateway):
    gw = make_gateway()
    req = image_request(
        "openai/test-model",
        openai_server.url,
        temperature=0.7,
        seed=42,
        max_tokens=33,
        top_p=0.9,
        stop=("END",),
        response_schema=SCHEMA,
    )
    resp = gw.complete(req)

    assert resp.text == "hello from the test server"
    assert resp.finish_reason == "stop" and not resp.cache_hit
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens) == (11, 7)
    assert resp.cost_usd is None  # unknown model: price unknown, never 0
    [got] = openai_server.received
    assert got.path.endswith("/chat/completions")
    body = got.body
    assert body["model"] == "test-model"
    assert body["messages"][0] == {"role": "system", "content": "You are a terse assistant."}
    user = body["messages"][1]
    assert user["role"] == "user"
    assert user["content"][0] == {"type": "text", "text": "What is in this image?"}
    image = user["content"][1]
    assert image["type"] == "image_url"
    assert image["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG_1X1).decode()
    assert (body["temperature"], body["seed"], body["max_tokens"], body["top_p"]) == (0.7, 42, 33, 0.9)
    assert body["stop"] == ["END"]
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "config", "schema": SCHEMA},
    }


def test_openai_plain_text_and_known_price(openai_server, make_gateway):
    gw = make_gateway()
    resp = gw.complete(ask("openai/gpt-4o-mini", "ping", api_base=openai_server.url))
    body = openai_server.received[0].body
    assert body["messages"] == [{"role": "user", "content": "ping"}]
    assert "response_format" not in body and "seed" not in body
    # 11 prompt + 7 completion tokens at $0.15 / $0.60 per 1M
    assert resp.cost_usd == resp.would_have_cost_usd == (11 * 0.15 + 7 * 0.60) / 1e6
    assert gw.ledger.live_calls == 1 and gw.ledger.per_model["openai/gpt-4o-mini"].prompt_tokens == 11


def test_anthropic_system_top_level_and_image_blocks(anthropic_server, make_gateway):
    gw = make_gateway()
    resp = gw.complete(
        image_request("anthropic/claude-3-5-sonnet-20241022", anthropic_server.url, temperature=0.2)
    )

    assert resp.text == "hello from the test server"
    assert resp.finish_reason == "stop"  # end_turn, normalised
    assert resp.cost_usd == (13 * 3.0 + 5 * 15.0) / 1e6
    [got] = anthropic_server.received
    assert got.path == "/v1/messages"
    body = got.body
    system = body["system"]
    system_text = system if isinstance(system, str) else "".join(b["text"] for b in system)
    assert system_text == "You are a terse assistant."
    assert [m["role"] for m in body["messages"]] == ["user"]  # system is not a message
    blocks = body["messages"][0]["content"]
    assert {"type": "text", "text": "What is in this image?"} in blocks
    [img] = [b for b in blocks if b["type"] == "image"]
    assert img["source"] == {
        "type": "base64",
        "media_type": "image/png",
        "data": base64.b64encode(PNG_1X1).decode(),
    }
    assert isinstance(body["max_tokens"], int) and body["max_tokens"] > 0
    assert body["temperature"] == 0.2


def test_anthropic_max_tokens_passed_through(anthropic_server, make_gateway):
    make_gateway().complete(
        ask("anthropic/claude-3-5-haiku-latest", api_base=anthropic_server.url, max_tokens=17)
    )
    assert anthropic_server.received[0].body["max_tokens"] == 17


def test_gemini_inline_image_and_schema(gemini_server, make_gateway):
    gw = make_gateway()
    resp = gw.complete(
        image_request("gemini/gemini-2.5-flash", gemini_server.url, max_tokens=9, response_schema=SCHEMA)
    )
    assert resp.text == "hello from the test server"
    [got] = gemini_server.received
    assert got.path.endswith("/models/gemini-2.5-flash:generateContent")
    parts = [p for c in got.body["contents"] for p in c["parts"]]
    [inline] = [p["inline_data"] for p in parts if "inline_data" in p]
    assert inline == {"data": base64.b64encode(PNG_1X1).decode(), "mime_type": "image/png"}
    config = got.body["generationConfig"]
    assert config["max_output_tokens"] == 9
    assert config["response_mime_type"] == "application/json" and config["response_json_schema"] == SCHEMA


def test_hosted_vllm_speaks_openai_format_with_schema(openai_server, make_gateway, monkeypatch):
    # litellm does not know a self-hosted model: its structured-output support is declared, not guessed
    monkeypatch.setenv("LLMHPO_CAPABILITIES", '{"hosted_vllm/*": {"response_schema": true}}')
    resp = make_gateway().complete(
        ask("hosted_vllm/Qwen/Qwen2.5-7B-Instruct", api_base=openai_server.url, response_schema=SCHEMA, seed=3)
    )
    assert resp.text == "hello from the test server"
    body = openai_server.received[0].body
    assert body["model"] == "Qwen/Qwen2.5-7B-Instruct" and body["seed"] == 3
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA
