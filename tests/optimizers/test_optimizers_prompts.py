"""Prompt building: chat history growth, the last-try sentence, compressed style, options, hashes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from llmhpo.harness import revisions
from llmhpo.harness.optimizers import prompts
from llmhpo.harness.optimizers.history import Observation
from llmhpo.harness.optimizers.prompts import PromptSpec, build
from llmhpo.harness.space import Float, Int, SearchSpace

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "campaigns"
SPACE = SearchSpace([Float("C", 0.001, 1000.0, log=True, default=1.0), Int("depth", 1, 10, default=3)])


def own(config: dict, loss: float, reply: str = "{}", **kw) -> Observation:
    return Observation(config, loss, reply=reply, **kw)


HISTORY = [
    own({"C": 1.0, "depth": 3}, 0.25, '{"C": 1.0, "depth": 3}'),
    own({"C": 10.0, "depth": 5}, 0.125, '{"C": 10, "depth": 5}'),
    own({"C": 100.0, "depth": 7}, 0.5, '{"C": 100, "depth": 7}'),
]


def texts(msgs) -> list[str]:
    return [m.text_only() for m in msgs]


def test_chat_history_grows_turn_by_turn() -> None:
    spec = PromptSpec(SPACE, description="an SVM on credit-g", budget=5)
    previous = build(spec, [], last=False)
    for n in range(1, len(HISTORY) + 1):
        msgs = build(spec, HISTORY[:n], last=False)
        assert msgs[: len(previous)] == previous  # earlier turns are resent unchanged
        assert [m.role for m in msgs[len(previous) :]] == ["assistant", "user"]
        assert msgs[-2].text_only() == HISTORY[n - 1].reply
        assert msgs[-1].text_only() == f"loss = {HISTORY[n - 1].loss:.4e}. Specify the next config."
        previous = msgs
    assert [m.role for m in previous] == ["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"]


def test_first_message_holds_problem_space_budget_and_format() -> None:
    spec = PromptSpec(SPACE, description="an SVM on credit-g", budget=7)
    system, first = build(spec, [], last=False)
    assert system.role == "system" and system.text_only() == "You are a machine learning expert."
    text = first.text_only()
    assert "an SVM on credit-g" in text
    assert SPACE.describe("zhang") in text
    assert "budget of 7 configurations" in text
    assert text.endswith("Config:") and '"C", "depth"' in text


def test_last_try_appears_exactly_once_and_only_at_the_end() -> None:
    spec = PromptSpec(SPACE, budget=4)
    msgs = build(spec, HISTORY, last=True)
    joined = "\n".join(texts(msgs))
    assert joined.count("This is the last try.") == 1
    assert msgs[-1].text_only().startswith("This is the last try. loss = 5.0000e-01.")
    assert "This is the last try." not in "\n".join(texts(build(spec, HISTORY, last=False)))


def test_options_system_budget_space_style_deterministic() -> None:
    spec = PromptSpec(SPACE, budget=4, system=False, budget_sentence=False, space_style="json", deterministic=True)
    msgs = build(spec, [], last=False)
    assert [m.role for m in msgs] == ["user"]
    text = msgs[0].text_only()
    assert "budget of" not in text
    assert SPACE.describe("json") in text
    assert "deterministic" in text


def test_cot_asks_for_analysis_and_config_lines() -> None:
    spec = PromptSpec(SPACE, cot=True)
    first = build(spec, [], last=False)[-1].text_only()
    assert "Analysis:" in first and "Config:" in first
    last = build(spec, HISTORY[:1], last=False)[-1].text_only()
    assert last.startswith("loss = 2.5000e-01. Write two lines as follows:")
    assert "\nAnalysis:" in last and "\nConfig:" in last


def test_compressed_style_sends_one_message_with_the_whole_history() -> None:
    spec = PromptSpec(SPACE, style="compressed", budget=3)
    msgs = build(spec, HISTORY[:2], last=True)
    assert [m.role for m in msgs] == ["system", "user"]
    text = msgs[1].text_only()
    assert 'Config: {"C": 1.0, "depth": 3}, loss = 2.5000e-01' in text
    assert 'Config: {"C": 10.0, "depth": 5}, loss = 1.2500e-01' in text
    assert text.count("This is the last try.") == 1


def test_notes_crashes_and_external_trials_reach_the_model() -> None:
    spec = PromptSpec(SPACE)
    history = [
        Observation({"C": 2.0, "depth": 2}, 0.3),  # another method, before the model's first proposal
        own({"C": 1000.0, "depth": 10}, 0.9, '{"C": 5000, "depth": 10}', crashed=True, notes=("C: 5000.0 clipped to 1000.0",)),
        Observation({"C": 3.0, "depth": 4}, 0.2),
    ]
    msgs = build(spec, history, last=False)
    assert 'Config: {"C": 2.0, "depth": 2}, loss = 3.0000e-01' in msgs[1].text_only()
    final = msgs[-1].text_only()
    assert "C: 5000.0 clipped to 1000.0" in final
    assert "crashed" in final and "loss = 9.0000e-01." in final
    assert 'Another method evaluated {"C": 3.0, "depth": 4}: loss = 2.0000e-01.' in final
    assert final.endswith("Specify the next config.")


def test_image_only_history_has_no_loss_values() -> None:
    spec = PromptSpec(SPACE, style="compressed", image_only=True)
    losses = (0.3141, 0.2718, 0.1618, 0.7071)
    history = [own(o.config, x, crashed=i == 3) for i, (o, x) in enumerate(zip([*HISTORY, HISTORY[0]], losses, strict=True))]
    text = "\n".join(texts(build(spec, history, last=True)))
    assert "Iteration 1: Config:" in text and "Iteration 4: Config:" in text
    for obs in history:
        for shown in (f"{obs.loss:.4e}", f"{obs.loss}", f"{obs.loss:g}"):
            assert shown not in text
    assert not re.search(r"loss\s*=", text)


def test_template_hashes_cover_every_template_of_a_revision() -> None:
    from llmhpo.harness.optimizers import templates

    for revision, texts_ in templates.PROMPT_REVISIONS.items():
        hashes = templates.template_hashes(revision)
        assert set(hashes) == set(texts_)
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes.values())
    assert prompts.TEMPLATE_HASHES == templates.template_hashes(revisions.CURRENT["prompts"])
    assert templates.PROMPT_REVISIONS["1"]["feedback_image_only"] != templates.PROMPT_REVISIONS["2"]["feedback_image_only"]
    assert templates.template_hashes("1")["system"] != templates.template_hashes("2")["system"]  # the revision is hashed
    for revision in templates.PROMPT_REVISIONS:
        assert prompts.fill_template("transition", revision, loss=0.5) == "loss = 5.0000e-01. Specify the next config."
        assert prompts.fill_template("last_try", revision) == "This is the last try."


def test_revision_1_templates_are_the_recorded_ones() -> None:
    """The words campaigns recorded before revisions existed were sent with: their manifests hold
    the hashes of every template, so an edit of revision 1 shows here (and in the wire-r1 replay)."""
    from llmhpo.harness.optimizers import templates

    manifest = json.loads((FIXTURES / "wire-r1" / "manifest.json").read_text())
    assert templates.template_hashes("1") == manifest["template_hashes"]


def test_grid_values_print_exactly_so_an_echo_needs_no_repair() -> None:
    """nn-tab's alpha grid holds 7.742637e-08; at 6 digits it printed as 7.74264e-08, and a model
    echoing the history got a "snapped" repair note."""
    from llmhpo.harness.benchmarks import load
    from llmhpo.harness.optimizers.parse import parse_reply

    space = load("nn-tab/credit-g").space
    config = {p.name: p.values[1] for p in space.params}
    assert config["alpha"] == 7.742637e-08
    spec = PromptSpec(space=space, style="compressed")
    text = texts(build(spec, [Observation(config, 0.3)], last=False))[-1]
    line = next(x for x in text.splitlines() if x.startswith("Config: {"))
    assert "7.742637e-08" in line and "7.74264e-08" not in line
    echoed = parse_reply(line[len("Config: "): line.index("}") + 1], space)
    assert echoed.config == config and echoed.repairs == []
    assert prompts.compact({"lr": 0.123456789}) == '{"lr": 0.123457}'  # continuous values stay short
