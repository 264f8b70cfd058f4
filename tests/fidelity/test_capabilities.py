"""One capabilities answer per model, from litellm's model map, overridable; the output protocol
is checked against it before anything runs; the gateway sends only what the model accepts."""

from __future__ import annotations

import json

import pytest

from llmhpo.gateway import Gateway
from llmhpo.gateway.capabilities import Capabilities
from llmhpo.gateway.errors import ConfigurationError
from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.errors import UserError
from llmhpo.harness.spec.campaign_spec import loads_spec

BRANIN = load("toy/branin")


@pytest.mark.parametrize(("model", "images", "schema"), [
    ("openai/gpt-4-turbo", True, False), ("openai/gpt-4-0613", False, False), ("openai/gpt-4o", True, True),
])
def test_capabilities_come_from_litellms_model_map(model, images, schema) -> None:
    caps = Gateway(mode="off").capabilities(model)
    assert (caps.images, caps.response_schema) == (images, schema)
    assert caps.seed and caps.max_context and caps.source == "litellm"


def test_a_model_litellm_does_not_know_is_described_by_override(monkeypatch) -> None:
    plain = Gateway(mode="off").capabilities("hosted_vllm/my-vl-finetune")
    assert not plain.images and not plain.response_schema and "not in its map" in plain.source
    monkeypatch.setenv("LLMHPO_CAPABILITIES", json.dumps({"hosted_vllm/my-*": {"images": True, "max_context": 8192}}))
    env = Gateway(mode="off").capabilities("hosted_vllm/my-vl-finetune")
    assert env.images and env.max_context == 8192 and env.source.endswith("+env")
    # the spec's per-model table is the most specific and wins over the environment
    spec = Gateway(mode="off", capabilities={"hosted_vllm/my-vl-finetune": {"images": False, "response_schema": True}})
    caps = spec.capabilities("hosted_vllm/my-vl-finetune")
    assert not caps.images and caps.response_schema and caps.max_context == 8192 and caps.source.endswith("+env+spec")


def test_bad_overrides_are_one_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("LLMHPO_CAPABILITIES", '{"openai/*": {"vision": true}}')
    with pytest.raises(ConfigurationError, match="unknown capability 'vision'"):
        Gateway(mode="off").capabilities("openai/gpt-4o")
    with pytest.raises(UserError, match="images must be true or false"):
        loads_spec('name = "x"\nbenchmarks = ["toy/branin"]\n[[optimizers]]\nname = "random"\n'
                   '[model_settings."openai/my-model"]\ncapabilities = { images = "yes" }\n')


def test_pinned_capabilities_never_ask_the_provider() -> None:
    pinned = Capabilities(images=True, source="manifest")
    gw = Gateway(mode="off", capabilities={"openai/anything": pinned})
    assert gw.capabilities("openai/anything") is pinned


def test_no_module_guesses_from_names() -> None:
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    for package in ("gateway", "harness"):
        for path in (root / package).rglob("*.py"):
            text = path.read_text()
            assert "SCHEMA_PREFIXES" not in text and "VISION_PATTERNS" not in text, path


# -- output protocol --------------------------------------------------------------------------------
SPEC = """
name = "proto"
budget = 3
seeds = 1
benchmarks = ["toy/branin"]
[[optimizers]]
name = "{name}"
model = "{model}"
options = {options}
"""


def test_schema_on_gpt_4_turbo_is_a_spec_error_before_anything_runs() -> None:
    with pytest.raises(UserError, match=r"output = 'schema' needs structured output.*openai/gpt-4-turbo"):
        loads_spec(SPEC.format(name="llm", model="openai/gpt-4-turbo", options='{ output = "schema" }'))
    with pytest.raises(UserError, match="JSON mode"):
        loads_spec(SPEC.format(name="llm", model="hosted_vllm/m", options='{ output = "json" }')
                   + '[model_settings."hosted_vllm/m"]\ncapabilities = { json_mode = false }\n')
    with pytest.raises(UserError, match="option 'output' of optimizer 'llm': must be one of 'text', 'json', 'schema'"):
        loads_spec(SPEC.format(name="llm", model="openai/gpt-4o", options='{ output = "xml" }'))
    with pytest.raises(UserError, match="text-only"):
        loads_spec(SPEC.format(name="mmllm", model="openai/gpt-4-0613", options="{}"))
    ok = loads_spec(SPEC.format(name="llm", model="openai/gpt-4o", options='{ output = "schema" }'))
    assert ok.optimizers[0].options == {"output": "schema"}


def test_a_spec_override_makes_schema_legal_for_an_unknown_model() -> None:
    text = SPEC.format(name="llm", model="hosted_vllm/my-model", options='{ output = "schema" }')
    with pytest.raises(UserError, match="structured output"):
        loads_spec(text)
    spec = loads_spec(text + '[model_settings."hosted_vllm/my-model"]\ncapabilities = { response_schema = true }\n')
    assert spec.model_settings["hosted_vllm/my-model"]["capabilities"] == {"response_schema": True}


@pytest.mark.parametrize(("model", "expected"), [("openai/gpt-4o", "text"), ("local/smollm2-135m", "schema")])
def test_protocol_defaults(model, expected) -> None:
    opt = optimizers.create("llm", task=BRANIN, budget=3, model=model, gateway=Gateway(mode="off"))
    assert opt.output == expected and (opt.schema is not None) == (expected == "schema")
    cot = optimizers.create("llm", task=BRANIN, budget=3, model=model, gateway=Gateway(mode="off"), cot=True)
    assert cot.output == "text"


def test_gateway_refuses_a_schema_the_model_cannot_take(fresh_servers, tmp_path) -> None:
    from llmhpo.gateway import Message, Request

    gw = Gateway(tmp_path / "c", mode="off")
    request = Request("openai/gpt-4-turbo", (Message.text("user", "hi"),), response_schema={"type": "object"},
                      api_base=fresh_servers["openai"].url)
    with pytest.raises(ConfigurationError, match="does not support structured output"):
        gw.complete(request)
    assert fresh_servers["openai"].received == []
