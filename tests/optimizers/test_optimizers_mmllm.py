"""Multimodal optimizers over real HTTP: the plot travels as an image part, keyed by its data."""

from __future__ import annotations

import base64
import re

import pytest

from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.errors import UserError
from llmhpo.harness.optimizers.plots import render
from tests.optimizers.conftest import TEXT_MODEL, VISION_MODEL
from tests.optimizers.test_optimizers_llm import cfg, run
from tests.servers.base import Behaviour

BRANIN = load("toy/branin")


def image_parts(body: dict) -> list[dict]:
    out = []
    for m in body["messages"]:
        if isinstance(m["content"], list):
            out += [p for p in m["content"] if p.get("type") == "image_url"]
    return out


def text_of(body: dict) -> str:
    chunks = []
    for m in body["messages"]:
        c = m["content"]
        chunks.append(c if isinstance(c, str) else "".join(p.get("text", "") for p in c))
    return "\n".join(chunks)


def test_mmllm_attaches_the_history_plot(server, server_gateway) -> None:
    server.script(*map(Behaviour.ok, [cfg(1, 2), cfg(3, 4), cfg(5, 6)]))
    opt = optimizers.create("mmllm", task=BRANIN, seed=0, budget=3, model=VISION_MODEL, gateway=server_gateway)
    proposals = run(opt, 3)
    sent = [r.body for r in server.received]
    assert image_parts(sent[0]) == []  # nothing to plot before the first result
    for body, p, n in ((sent[1], proposals[1], 1), (sent[2], proposals[2], 2)):
        (part,) = image_parts(body)
        url = part["image_url"]["url"] if isinstance(part["image_url"], dict) else part["image_url"]
        assert url.startswith("data:image/png;base64,")
        expected = render(opt.history[:n], BRANIN.space, annotate=True)  # mmllm labels its best losses
        assert base64.b64decode(url.split(",", 1)[1]) == expected.data
        assert p.transcript["image"] == expected.fingerprint
        content = p.transcript["attempts"][0]["messages"][-1]["content"]
        assert content[-2] == {"type": "image", "mime": "image/png", "fingerprint": expected.fingerprint}
        # the answer cue comes last, after the plot and its note (mm-llm-hpo's order)
        assert content[-1]["text"].endswith("Config:") and "attached plot" in content[0]["text"]
        assert "Config:" not in content[0]["text"].splitlines()[-1]
        last_part = body["messages"][-1]["content"][-1]
        assert last_part["type"] == "text" and last_part["text"].endswith("Config:")
    assert "loss = " in text_of(sent[2])  # mmllm keeps the losses in the text too
    assert "attached plot" in text_of(sent[2])


def test_image_only_text_carries_no_loss_values(server, server_gateway) -> None:
    server.script(*map(Behaviour.ok, [cfg(1, 2), cfg(3, 4), cfg(5, 6), cfg(7, 8)]))
    opt = optimizers.create("mmllm-image-only", task=BRANIN, seed=0, budget=4, model=VISION_MODEL, gateway=server_gateway)
    run(opt, 4)
    last = server.received[-1].body
    text = text_of(last)
    assert len(image_parts(last)) == 1
    assert "Iteration 3: Config:" in text
    assert not re.search(r"loss\s*=", text)
    for obs in opt.history[:3]:
        for shown in (f"{obs.loss:.4e}", repr(obs.loss), f"{obs.loss:.4g}", f"{obs.loss:.3g}"):
            assert shown not in text


def test_text_only_model_is_refused_before_anything_runs(server, server_gateway) -> None:
    for name in ("mmllm", "mmllm-image-only"):
        assert optimizers.requires_images(name)
        with pytest.raises(UserError, match=rf"{name} sends plots, but model '{TEXT_MODEL}' is text-only; use a vision model"):
            optimizers.create(name, task=BRANIN, seed=0, budget=3, model=TEXT_MODEL, gateway=server_gateway)
    assert server.received == []


def test_image_only_needs_the_one_message_style(server_gateway) -> None:
    with pytest.raises(UserError, match="compressed"):
        optimizers.create("mmllm-image-only", task=BRANIN, budget=3, model=VISION_MODEL, gateway=server_gateway, style="chat")


def test_mmllm_chat_style_sends_only_the_current_plot(server, server_gateway) -> None:
    server.script(*map(Behaviour.ok, [cfg(1, 2), cfg(3, 4), cfg(5, 6)]))
    opt = optimizers.create("mmllm", task=BRANIN, seed=0, budget=3, model=VISION_MODEL, gateway=server_gateway, style="chat")
    run(opt, 3)
    last = server.received[-1].body
    assert len(image_parts(last)) == 1
    assert len(image_parts({"messages": last["messages"][-1:]})) == 1
