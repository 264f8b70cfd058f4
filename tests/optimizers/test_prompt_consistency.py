"""Every optimizer style's first, middle and last request, as sent over the wire, speaks of a plot
only when one is attached, and carries the task description with its fixed settings (prompts
revision 2); revision 1 keeps the first image-only prompt it was recorded with."""

from __future__ import annotations

import json

import pytest

from llmhpo.harness import optimizers
from llmhpo.harness.benchmarks import load
from llmhpo.harness.optimizers import prompts
from llmhpo.harness.optimizers.history import Observation
from llmhpo.harness.revisions import CURRENT, LEGACY
from tests.optimizers.conftest import VISION_MODEL
from tests.optimizers.test_optimizers_llm import run
from tests.servers.base import Behaviour

TASK = load("svm/blood-transfusion")
BUDGET = 5
CONFIGS = [{"C": 1.0, "gamma": 0.1}, {"C": 8.0, "gamma": 0.01}, {"C": 100.0, "gamma": 1.0}, {"C": 0.5, "gamma": 0.02},
           {"C": 2.0, "gamma": 0.05}]
STYLES = {
    "llm chat": ("llm", {}),
    "llm compressed + cot": ("llm", {"style": "compressed", "cot": True}),
    "mmllm": ("mmllm", {}),
    "mmllm chat": ("mmllm", {"style": "chat"}),
    "mmllm-image-only": ("mmllm-image-only", {}),
    "llm-tpe": ("llm-tpe", {"p": 1.0}),
}


def parts(message: dict) -> tuple[str, int]:
    """(text, number of images) of one wire message."""
    content = message["content"]
    if isinstance(content, str):
        return content, 0
    return ("".join(p.get("text", "") for p in content), sum(p.get("type") == "image_url" for p in content))


@pytest.mark.parametrize("style", sorted(STYLES))
def test_plot_sentences_match_the_attached_parts_at_every_step(style: str, server, server_gateway) -> None:
    name, options = STYLES[style]
    cot = options.get("cot", False)
    server.script(*(Behaviour.ok(("Analysis: try another region.\nConfig: " if cot else "") + json.dumps(c))
                    for c in CONFIGS))
    opt = optimizers.create(name, task=TASK, seed=0, budget=BUDGET, model=VISION_MODEL, gateway=server_gateway,
                            **options)
    run(opt, BUDGET, task=TASK)
    sent = [r.body for r in server.received]
    assert len(sent) == BUDGET
    multimodal = name.startswith("mmllm")
    for step, body in (("first", sent[0]), ("middle", sent[BUDGET // 2]), ("last", sent[-1])):
        images = 0
        for message in body["messages"]:
            text, n = parts(message)
            images += n
            if n:
                assert "attached plot" in text, (step, text)
            elif message["role"] != "assistant":
                assert "plot" not in text.lower(), (step, text)  # no plot spoken of without one
        assert images == (1 if multimodal and step != "first" else 0), step
        joined = "\n".join(parts(m)[0] for m in body["messages"])
        assert joined.count("This is the last try.") == (step == "last")
        first_user = next(parts(m)[0] for m in body["messages"] if m["role"] == "user")
        assert TASK.describe().rstrip(". ") in first_user and TASK.space.describe() in first_user
        assert "Model: sklearn.svm.SVC(kernel='rbf')" in first_user and "standardized" in first_user
    if name == "mmllm-image-only":
        first = "\n".join(parts(m)[0] for m in sent[0]["messages"])
        assert "Nothing has been tried yet." in first and "loss =" not in "\n".join(
            parts(m)[0] for m in sent[-1]["messages"])


def test_revision_1_keeps_the_first_image_only_prompt_it_was_recorded_with() -> None:
    """Old campaigns replay the words they were sent, contradiction included; revision 2 is the fix."""
    old = prompts.PromptSpec(TASK.space, description=TASK.describe_for("1"), style="compressed", image_only=True,
                             revision=LEGACY["prompts"])
    text = "\n".join(m.text_only() for m in prompts.build(old, [], last=False))
    assert "are only shown in the attached plot" in text and "Nothing has been tried yet." in text
    new = prompts.PromptSpec(TASK.space, description=TASK.describe(), style="compressed", image_only=True,
                             revision=CURRENT["prompts"])
    assert "plot" not in "\n".join(m.text_only() for m in prompts.build(new, [], last=False))


def test_the_llm_tpe_narrowing_request_carries_the_revision_s_description() -> None:
    spec = prompts.PromptSpec(TASK.space, description=TASK.describe(), revision=CURRENT["prompts"])
    text = spec.text("narrow", intro=spec.intro(), history=prompts.history_block(spec, [Observation(CONFIGS[0], 0.3)]),
                     keys='"C", "gamma"')
    assert "Model: sklearn.svm.SVC(kernel='rbf')" in text and "plot" not in text
