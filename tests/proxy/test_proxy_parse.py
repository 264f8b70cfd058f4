"""Wire bodies become exactly the Request an in-process caller would build, so keys are shared."""

from __future__ import annotations

import pytest
from proxy_helpers import PNG, PNG_B64

from llmhpo.gateway import Gateway, Message, Request, TextPart
from llmhpo.gateway.proxy import anthropic_wire, openai_wire
from llmhpo.gateway.proxy.routing import route_model
from llmhpo.gateway.proxy.wire import BadRequest
from llmhpo.gateway.types import ImagePart

SCHEMA = {"type": "object", "properties": {"lr": {"type": "number"}}}
IMAGE_MESSAGE = Message("user", (TextPart("What is shown?"), ImagePart(PNG, "image/png")))


def test_openai_body_is_the_in_process_request():
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "developer", "content": "Be terse."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is shown?"},
                    {
                        "type": "image_url",
                        "image_url": {"url": f"data:image/png;base64,{PNG_B64}", "detail": "auto"},
                    },
                ],
            },
        ],
        "temperature": 0.2,
        "max_completion_tokens": 50,
        "seed": 9,
        "stop": "END",
        "response_format": {"type": "json_schema", "json_schema": {"name": "c", "schema": SCHEMA}},
        "stream": True,
        "user": "someone",
    }
    parsed = openai_wire.parse(body, route_model)
    assert parsed.stream and parsed.client_model == "gpt-4o" and not parsed.include_usage
    assert parsed.request == Request(
        model="openai/gpt-4o",
        messages=(Message.text("system", "Be terse."), IMAGE_MESSAGE),
        temperature=0.2,
        max_tokens=50,
        seed=9,
        stop=("END",),
        response_schema=SCHEMA,
    )


def test_defaults_json_mode_and_sampling_extras():
    base = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]}
    request = openai_wire.parse(base, route_model).request
    assert request.temperature == 1.0 and request.max_tokens is None and request.extra == {}
    assert openai_wire.parse({**base, "temperature": None}, route_model).request.temperature == 1.0
    extra = openai_wire.parse(
        {**base, "response_format": {"type": "json_object"}, "presence_penalty": 0.5}, route_model
    ).request.extra
    assert extra == {"response_format": {"type": "json_object"}, "presence_penalty": 0.5}
    with pytest.raises(BadRequest, match="temperature"):
        openai_wire.parse({**base, "temperature": "hot"}, route_model)
    with pytest.raises(BadRequest, match="detail"):
        image = {
            "type": "image_url",
            "image_url": {"url": f"data:image/png;base64,{PNG_B64}", "detail": "low"},
        }
        openai_wire.parse({**base, "messages": [{"role": "user", "content": [image]}]}, route_model)
    with pytest.raises(BadRequest, match="says image/jpeg but the bytes are image/png"):
        openai_wire.parse(
            {
                **base,
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{PNG_B64}"}}
                        ],
                    }
                ],
            },
            route_model,
        )


def test_anthropic_body_is_the_in_process_request():
    body = {
        "model": "claude-3-5-sonnet-latest",
        "max_tokens": 40,
        "system": [{"type": "text", "text": "Be terse."}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is shown?"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64},
                    },
                ],
            }
        ],
        "temperature": 0,
        "top_k": 5,
        "stop_sequences": ["END"],
        "metadata": {"user_id": "u1"},
    }
    parsed = anthropic_wire.parse(body, route_model)
    assert parsed.request == Request(
        model="anthropic/claude-3-5-sonnet-latest",
        messages=(Message.text("system", "Be terse."), IMAGE_MESSAGE),
        temperature=0,
        max_tokens=40,
        stop=("END",),
        extra={"top_k": 5},
    )


def test_the_same_question_in_either_format_is_one_cache_entry():
    text = [{"role": "user", "content": "Propose a learning rate."}]
    via_openai = openai_wire.parse(
        {"model": "claude-3-5-haiku-latest", "messages": text, "temperature": 0, "max_tokens": 30},
        route_model,
    ).request
    via_anthropic = anthropic_wire.parse(
        {"model": "claude-3-5-haiku-latest", "messages": text, "temperature": 0, "max_tokens": 30},
        route_model,
    ).request
    gateway = Gateway(mode="off")
    assert gateway.fingerprint(via_openai) == gateway.fingerprint(via_anthropic)
