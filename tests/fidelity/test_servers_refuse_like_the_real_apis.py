"""The wire servers refuse what the real APIs refuse, with their status codes and error bodies, as
seen by the official SDKs (openai, anthropic), by litellm and by a bare HTTP client."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import anthropic
import openai
import pytest

from tests.gateway.gateway_helpers import PNG_1X1
from tests.servers.replies import REFUSAL, SHAPES, USABLE, render

KEY = "sk-test-0123456789abcdef"
USER = [{"role": "user", "content": "Say hi."}]


def _post(url: str, body: dict, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# -- OpenAI ---------------------------------------------------------------------------------------
@pytest.fixture
def oai(fresh_servers) -> openai.OpenAI:
    return openai.OpenAI(api_key=KEY, base_url=fresh_servers["openai"].url + "/v1", max_retries=0)


SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "config", "schema": {"type": "object"}}}


@pytest.mark.parametrize(("model", "fmt", "refused"), [
    ("gpt-4-turbo", SCHEMA_FORMAT, True), ("gpt-4-0613", {"type": "json_object"}, True),
    ("gpt-4o", SCHEMA_FORMAT, False), ("gpt-4-turbo", {"type": "json_object"}, False),
])
def test_openai_response_format_per_model(oai, model, fmt, refused) -> None:
    if not refused:
        assert oai.chat.completions.create(model=model, messages=USER, response_format=fmt).choices[0].message.content
        return
    with pytest.raises(openai.BadRequestError) as info:
        oai.chat.completions.create(model=model, messages=USER, response_format=fmt)
    err = info.value
    assert err.status_code == 400 and err.param == "response_format" and err.code is None
    assert err.type == "invalid_request_error"
    assert err.body["message"] == f"Invalid parameter: 'response_format' of type '{fmt['type']}' is not supported with this model."


def test_openai_image_to_a_text_only_model(oai) -> None:
    import base64

    url = "data:image/png;base64," + base64.b64encode(PNG_1X1).decode()
    content = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": url}}]
    with pytest.raises(openai.BadRequestError) as info:
        oai.chat.completions.create(model="gpt-4-0613", messages=[{"role": "user", "content": content}])
    assert info.value.param == "messages.[0].content.[1].type"
    assert oai.chat.completions.create(model="gpt-4-turbo", messages=[{"role": "user", "content": content}]).choices


def test_openai_unknown_model_wrong_key_missing_key_long_prompt(fresh_servers, oai) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        oai.chat.completions.create(model="gpt-9", messages=USER)
    assert info.value.code == "model_not_found" and "`gpt-9` does not exist" in info.value.message
    fresh_servers["openai"].valid_keys = {"sk-the-right-key-000"}
    with pytest.raises(openai.AuthenticationError) as info:
        oai.chat.completions.create(model="gpt-4o", messages=USER)
    assert info.value.code == "invalid_api_key" and KEY not in info.value.message  # the real API masks it
    status, body = _post(fresh_servers["openai"].url + "/v1/chat/completions", {"model": "gpt-4o", "messages": USER}, {})
    assert status == 401 and body["error"]["message"].startswith("You didn't provide an API key.")
    fresh_servers["openai"].valid_keys = None
    with pytest.raises(openai.BadRequestError) as info:
        oai.chat.completions.create(model="gpt-4-0613", messages=[{"role": "user", "content": "x " * 20_000}])
    assert info.value.code == "context_length_exceeded"


# -- Anthropic ------------------------------------------------------------------------------------
@pytest.fixture
def claude(fresh_servers) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=KEY, base_url=fresh_servers["anthropic"].url, max_retries=0)


def test_anthropic_accepts_a_proper_request_and_refuses_the_rest(fresh_servers, claude) -> None:
    ok = claude.messages.create(model="claude-3-5-sonnet-20240620", max_tokens=20, system="Be brief.", messages=USER)
    assert ok.content[0].text
    with pytest.raises(anthropic.NotFoundError) as info:
        claude.messages.create(model="claude-9", max_tokens=20, messages=USER)
    assert info.value.body["error"] == {"type": "not_found_error", "message": "model: claude-9"}
    with pytest.raises(anthropic.BadRequestError, match="Unexpected role"):
        claude.messages.create(model="claude-3-5-sonnet-20240620", max_tokens=20,
                               messages=[{"role": "system", "content": "Be brief."}, *USER])  # type: ignore[list-item]
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": __import__("base64").b64encode(PNG_1X1).decode()}}
    with pytest.raises(anthropic.BadRequestError, match="does not support image input"):
        claude.messages.create(model="claude-2.1", max_tokens=20, messages=[{"role": "user", "content": [image]}])
    url = fresh_servers["anthropic"].url + "/v1/messages"
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    status, body = _post(url, {"model": "claude-3-5-sonnet-20240620", "messages": USER}, headers)
    assert (status, body["error"]) == (400, {"type": "invalid_request_error", "message": "max_tokens: Field required"})
    status, body = _post(url, {"model": "claude-3-5-sonnet-20240620", "max_tokens": 5, "messages": USER},
                         {"anthropic-version": "2023-06-01"})
    assert (status, body["error"]["type"]) == (401, "authentication_error")
    fresh_servers["anthropic"].valid_keys = {"sk-ant-right"}
    with pytest.raises(anthropic.AuthenticationError):
        claude.messages.create(model="claude-3-5-sonnet-20240620", max_tokens=20, messages=USER)


# -- Gemini ---------------------------------------------------------------------------------------
def _gemini(server, model: str, body: dict, key: str | None = KEY) -> tuple[int, dict]:
    headers = {"x-goog-api-key": key} if key else {}
    return _post(f"{server.url}/v1beta/models/{model}:generateContent", body, headers)


def test_gemini_keys_models_and_response_schema_rules(fresh_servers) -> None:
    server = fresh_servers["gemini"]
    contents = [{"role": "user", "parts": [{"text": "Say hi."}]}]
    schema = {"type": "object", "properties": {"x": {"type": "number"}}}
    assert _gemini(server, "gemini-1.5-flash", {"contents": contents})[0] == 200
    status, body = _gemini(server, "gemini-1.5-flash", {"contents": contents}, key=None)
    assert (status, body["error"]["status"]) == (403, "PERMISSION_DENIED")
    status, body = _gemini(server, "gemini-9", {"contents": contents})
    assert (status, body["error"]["status"]) == (404, "NOT_FOUND")
    no_mime = {"contents": contents, "generationConfig": {"responseSchema": schema}}
    status, body = _gemini(server, "gemini-1.5-flash", no_mime)
    assert status == 400 and "response_mime_type" in body["error"]["message"]
    strict = {**schema, "additionalProperties": False}
    bad = {"contents": contents, "generationConfig": {"responseMimeType": "application/json", "responseSchema": strict}}
    status, body = _gemini(server, "gemini-1.5-flash", bad)
    assert status == 400 and 'Unknown name "additionalProperties"' in body["error"]["message"]
    json_schema = {"contents": contents, "generation_config": {"response_mime_type": "application/json",
                                                               "response_json_schema": strict}}
    assert _gemini(server, "gemini-1.5-flash", json_schema)[0] == 200
    status, body = _gemini(server, "gemini-1.0-pro", {**bad, "generationConfig": {
        "responseMimeType": "application/json", "responseSchema": schema}})
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"
    server.valid_keys = {"AIza-right"}
    status, body = _gemini(server, "gemini-1.5-flash", {"contents": contents})
    assert status == 400 and body["error"]["details"][0]["reason"] == "API_KEY_INVALID"


def test_litellm_sees_the_refusals_as_the_real_ones(fresh_servers, litellm_loaded) -> None:
    litellm = litellm_loaded
    with pytest.raises(litellm.NotFoundError):
        litellm.completion(model="openai/gpt-9", messages=USER, api_base=fresh_servers["openai"].url, api_key=KEY)
    with pytest.raises(litellm.BadRequestError, match="json_schema"):
        litellm.completion(model="openai/gpt-4-turbo", messages=USER, api_base=fresh_servers["openai"].url,
                           api_key=KEY, response_format=SCHEMA_FORMAT)
    with pytest.raises(litellm.NotFoundError):
        litellm.completion(model="anthropic/claude-9", messages=USER, api_base=fresh_servers["anthropic"].url,
                           api_key=KEY)
    with pytest.raises(litellm.NotFoundError):
        litellm.completion(model="gemini/gemini-9", messages=USER, api_base=fresh_servers["gemini"].url, api_key=KEY)


# -- the free-text shapes -------------------------------------------------------------------------
def test_every_usable_shape_parses_and_the_others_do_not() -> None:
    from llmhpo.harness.benchmarks import load
    from llmhpo.harness.optimizers.parse import parse_reply

    space = load("toy/branin").space
    config = {"x1": 1.5, "x2": 7.25}
    methods = {}
    for shape in SHAPES:
        result = parse_reply(render(shape, config), space)
        if shape in USABLE:
            assert result.config == config, shape
            methods[shape] = result.method
        else:
            assert result.config is None, shape
    assert set(methods.values()) == {"object", "fence", "cot", "key-value"}
    assert render("refusal", config) == REFUSAL and render("empty", config) == ""
