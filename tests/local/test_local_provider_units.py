"""LocalProvider without loading a model: the llama.cpp request body, capabilities, and how
llama.cpp's error replies become clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmhpo.gateway.errors import ConfigurationError, ProviderError, ProviderRefused
from llmhpo.gateway.models import resolve
from llmhpo.gateway.providers.local import LocalProvider, _Loaded, to_response
from llmhpo.gateway.types import ImagePart, Message, Request, TextPart

SCHEMA = {"type": "object", "properties": {"C": {"type": "number"}}, "required": ["C"]}


def _request(**kw: object) -> Request:
    base: dict[str, object] = {"model": "local/smollm2-135m", "messages": (Message.text("user", "hi"),)}
    base.update(kw)
    return Request(**base)  # type: ignore[arg-type]


def test_body_carries_every_generation_parameter() -> None:
    body = LocalProvider().chat_body(
        _request(temperature=0.7, top_p=0.9, seed=5, max_tokens=40, stop=("\n",), response_schema=SCHEMA,
                 extra={"top_k": 20}),
        images=False,
    )
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert (body["temperature"], body["top_p"], body["seed"], body["max_tokens"]) == (0.7, 0.9, 5, 40)
    assert body["stop"] == ["\n"] and body["top_k"] == 20
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert body["cache_prompt"] is True  # prefix reuse by default: the cache makes runs reproducible


def test_cold_switch_gives_one_slot_and_no_prefix_reuse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLMHPO_LOCAL_SLOTS", raising=False)
    warm = LocalProvider()
    assert (warm.slots, warm.max_concurrency, warm.reuse_prompt_cache) == (2, 2, True)
    monkeypatch.setenv("LLMHPO_LOCAL_COLD", "1")
    cold = LocalProvider()
    assert (cold.slots, cold.max_concurrency, cold.reuse_prompt_cache) == (1, 1, False)
    assert cold.chat_body(_request(), images=False)["cache_prompt"] is False
    monkeypatch.setenv("LLMHPO_LOCAL_COLD", "0")
    monkeypatch.setenv("LLMHPO_LOCAL_SLOTS", "3")
    assert LocalProvider().max_concurrency == 3
    monkeypatch.setenv("LLMHPO_LOCAL_SLOTS", "many")
    with pytest.raises(ConfigurationError, match="LLMHPO_LOCAL_SLOTS must be a whole number"):
        LocalProvider()


def test_slots_share_out_the_context_and_keep_a_prompt_cache() -> None:
    from llmhpo.gateway import models
    from llmhpo.gateway.providers.local import build_params

    p = build_params(models.resolve("local/smollm2-135m"), n_ctx=1024, slots=3, prompt_cache_mib=256)
    assert (p.n_parallel, p.n_ctx, p.cache_ram_mib) == (3, 3072, 256)


def test_defaults_bound_the_reply_and_leave_sampling_to_llama_cpp() -> None:
    body = LocalProvider(reuse_prompt_cache=True).chat_body(_request(), images=False)
    assert body["max_tokens"] == 512 and body["cache_prompt"] is True
    assert not {"seed", "top_p", "stop", "response_format"} & set(body)


def test_image_to_a_text_only_model_is_refused_naming_it() -> None:
    request = _request(messages=(Message("user", (TextPart("look"), ImagePart(b"\x89PNG"))),))
    with pytest.raises(ConfigurationError, match=r"'local/smollm2-135m' is text-only"):
        LocalProvider().chat_body(request, images=False)
    body = LocalProvider().chat_body(request, images=True)
    assert body["messages"][0]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_extra_may_not_override_what_the_gateway_controls() -> None:
    with pytest.raises(ConfigurationError, match="may not set response_format"):
        LocalProvider().chat_body(_request(extra={"response_format": {}}), images=False)


def test_capabilities_follow_the_mmproj_file(tmp_path: Path) -> None:
    assert LocalProvider().capabilities("local/smollm2-135m").images is False
    assert LocalProvider().capabilities("local/smollm2-135m").response_schema is True
    model = tmp_path / "vlm.gguf"
    model.write_bytes(b"GGUF....")
    (tmp_path / "vlm.mmproj.gguf").write_bytes(b"GGUF....")
    assert LocalProvider().capabilities(f"local/{model}").images is True


def _loaded() -> _Loaded:
    return _Loaded(resolve("local/smollm2-135m"), server=None, n_ctx=4096)


def test_context_overflow_reply_becomes_a_clear_error() -> None:
    raw = {"error": {"code": 400, "type": "exceed_context_size_error", "n_prompt_tokens": 5000, "n_ctx": 4096,
                     "message": "request (5000 tokens) exceeds the available context size"}}
    with pytest.raises(ProviderRefused, match="5000 tokens, longer than its context window of 4096"):
        to_response(raw, _loaded(), 0.1)


def test_other_llama_cpp_errors_are_provider_errors() -> None:
    with pytest.raises(ProviderError, match="error 500: boom") as info:
        to_response({"error": {"code": 500, "message": "boom"}}, _loaded(), 0.1)
    assert info.value.status == 500
    with pytest.raises(ProviderError, match="no message"):
        to_response({"choices": []}, _loaded(), 0.1)


def test_a_reply_becomes_a_free_response() -> None:
    raw = {"choices": [{"finish_reason": "stop", "message": {"content": '{"C": 1}'}}],
           "usage": {"prompt_tokens": 12, "completion_tokens": 5}}
    r = to_response(raw, _loaded(), 0.25)
    assert (r.text, r.finish_reason, r.usage.prompt_tokens, r.usage.completion_tokens) == ('{"C": 1}', "stop", 12, 5)
    assert r.cost_usd == 0.0 and r.would_have_cost_usd == 0.0 and r.model_served == "smollm2-135m"
