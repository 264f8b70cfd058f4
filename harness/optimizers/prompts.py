"""The message builders of the LLM optimizers (their words: templates.py, one set per revision).

Prompt wording changes results, so every template is named and each prompts revision keeps its own
set (a PromptSpec builds with the set of its `revision`, the campaign's: harness/revisions.py);
the manifest records the hashes of that set. The structure follows Zhang et al. (problem message, then one short feedback message
per trial in chat style, "This is the last try." before the final proposal, optional chain of
thought and expert system prompt) and mm-llm-hpo (one message holding the whole history, JSON
bounds, an attached plot); the wording of the longer templates is ours.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llmhpo.gateway.types import ImagePart, Message, TextPart
from llmhpo.harness.optimizers.history import Observation
from llmhpo.harness.optimizers.templates import PROMPT_REVISIONS, template_hashes
from llmhpo.harness.revisions import CURRENT
from llmhpo.harness.space import SearchSpace
from llmhpo.harness.values import short_number

# the newest revision's templates and hashes (a campaign's manifest records those of its own revision)
TEMPLATES = PROMPT_REVISIONS[CURRENT["prompts"]]
TEMPLATE_HASHES: dict[str, str] = template_hashes(CURRENT["prompts"])

DEFAULT_DESCRIPTION = "a machine learning model"


def fill_template(name: str, revision: str = CURRENT["prompts"], **values: Any) -> str:
    """Template `name` of prompts revision `revision`, filled in."""
    return PROMPT_REVISIONS[revision][name].format(**values)


def compact(config: dict[str, Any], space: SearchSpace | None = None) -> str:
    """Single-line JSON; continuous floats at 6 significant digits (readable, exact enough), values of
    a grid or choice of `space` exactly as they are (a model echoing one must hit the grid)."""
    known = space.names if space is not None else ()
    return json.dumps({k: space[k].prompt_value(v) if k in known else short_number(v) for k, v in config.items()})


@dataclass(frozen=True)
class PromptSpec:
    """Everything about the wording that stays fixed during a run."""

    space: SearchSpace
    description: str = DEFAULT_DESCRIPTION
    budget: int = 10
    style: str = "chat"  # chat | compressed
    cot: bool = False
    system: bool = True
    budget_sentence: bool = True
    space_style: str = "zhang"  # zhang | json
    deterministic: bool = False
    image_only: bool = False
    revision: str = CURRENT["prompts"]  # the prompts revision (harness/revisions.py)

    def text(self, name: str, **values: Any) -> str:
        """Template `name` of this spec's revision, filled in."""
        return fill_template(name, self.revision, **values)

    @property
    def keys(self) -> str:
        return ", ".join(json.dumps(n) for n in self.space.names)

    def intro(self) -> str:
        return self.text("intro", description=self.description.rstrip(". "), space=self.space.describe(self.space_style))

    def format_instruction(self) -> str:
        if self.cot:
            return self.text("format_cot", keys=self.keys)
        return self.text("format", keys=self.keys, example=compact(self.space.default(), self.space))


def _own_feedback(spec: PromptSpec, obs: Observation) -> list[str]:
    parts = [spec.text("adjusted", config=compact(obs.config, spec.space), why="; ".join(obs.notes))] if obs.notes else []
    if obs.crashed:
        parts.append(spec.text("crashed"))
    return parts


def _external_line(spec: PromptSpec, obs: Observation) -> str:
    return spec.text("external_crashed" if obs.crashed else "external", config=compact(obs.config, spec.space), loss=obs.loss)


def history_block(spec: PromptSpec, history: Sequence[Observation]) -> str:
    """The history as one "Tried so far:" block (compressed prompts, hybrids' narrowing request)."""
    if not history:
        return spec.text("history_empty")
    lines = [spec.text("history_header")]
    for i, obs in enumerate(history, start=1):
        if spec.image_only:
            line = spec.text("history_line_image_only", i=i, config=compact(obs.config, spec.space))
            line += spec.text("history_crashed_image_only") if obs.crashed else ""
        else:
            line = spec.text("history_line", config=compact(obs.config, spec.space), loss=obs.loss)
            line += spec.text("history_crashed") if obs.crashed else ""
        lines.append(line)
    return "\n".join(lines)


def _preamble(spec: PromptSpec, feedback: str) -> list[str]:
    parts = [spec.intro()]
    if spec.budget_sentence:
        parts.append(spec.text("budget", budget=spec.budget))
    parts.append(feedback)
    parts.append(spec.text("goal"))
    if spec.deterministic:
        parts.append(spec.text("deterministic"))
    return parts


def chat_messages(spec: PromptSpec, history: Sequence[Observation], *, last: bool) -> list[Message]:
    """The growing multi-turn conversation: problem, then (reply, feedback) per own trial.

    Configs from another method that arrive before the model's first own proposal join the problem
    message; later ones join the next feedback message.
    """
    msgs: list[Message] = [Message.text("system", spec.text("system"))] if spec.system else []
    first_own = next((i for i, o in enumerate(history) if o.own), len(history))
    head = _preamble(spec, spec.text("feedback_chat"))
    if first_own:
        head.append(history_block(spec, history[:first_own]))
    head.append(spec.format_instruction())
    user_texts = ["\n".join(head)]
    assistant_texts: list[str] = []
    notes: list[str] = []
    external: list[str] = []
    own_loss = 0.0
    for obs in history[first_own:]:
        if obs.own:
            if assistant_texts:
                user_texts.append(_feedback_message(spec, notes, own_loss, external))
            assistant_texts.append(obs.reply or "")
            notes, own_loss, external = _own_feedback(spec, obs), obs.loss, []
        else:
            external.append(_external_line(spec, obs))
    if assistant_texts:
        user_texts.append(_feedback_message(spec, notes, own_loss, external))
    if last:
        user_texts[-1] = spec.text("last_try") + " " + user_texts[-1]
    for i, text in enumerate(user_texts):
        msgs.append(Message.text("user", text))
        if i < len(assistant_texts):
            msgs.append(Message.text("assistant", assistant_texts[i]))
    return msgs


def _feedback_message(spec: PromptSpec, notes: list[str], own_loss: float, external: list[str]) -> str:
    """Notes about the model's last config, its loss with the transition sentence; results of
    another method's configs (hybrids) go between the loss and the request for the next config."""
    if not external:
        return " ".join([*notes, spec.text("transition_cot" if spec.cot else "transition", loss=own_loss)])
    tail = spec.text("next_cot") if spec.cot else spec.text("next")
    return " ".join([*notes, f"loss = {own_loss:.4e}.", *external, tail])


def compressed_messages(spec: PromptSpec, history: Sequence[Observation], *, last: bool) -> list[Message]:
    """One message with the whole history (mm-llm-hpo style, and Zhang's compressed variant)."""
    msgs: list[Message] = [Message.text("system", spec.text("system"))] if spec.system else []
    feedback = "feedback_image_only" if spec.image_only else "feedback_compressed"
    parts = _preamble(spec, spec.text(feedback))
    parts.append(history_block(spec, history))
    if last:
        parts.append(spec.text("last_try"))
    parts.append(spec.format_instruction())
    msgs.append(Message.text("user", "\n".join(parts)))
    return msgs


def answer_cue(spec: PromptSpec, text: str) -> str:
    """The request for the next config that ends `text` (format instruction or "Specify the next
    config."), or "" when the text ends otherwise."""
    for cue in (spec.format_instruction(), spec.text("next_cot") if spec.cot else spec.text("next")):
        if text.endswith(cue):
            return cue
    return ""


def build(spec: PromptSpec, history: Sequence[Observation], *, last: bool, image: ImagePart | None = None) -> list[Message]:
    """Messages for the next proposal; `image` (mmllm) goes into the final user message after the
    history and its note, and the answer cue stays last (as in mm-llm-hpo's prompt)."""
    msgs = (chat_messages if spec.style == "chat" else compressed_messages)(spec, history, last=last)
    if image is not None:
        final = msgs[-1]
        text = "".join(p.text for p in final.content if isinstance(p, TextPart))
        cue = answer_cue(spec, text)
        body = text[: len(text) - len(cue)].rstrip()
        # revision 1 attached the image-only plot without a word (its preamble spoke of the plot instead)
        note = PROMPT_REVISIONS[spec.revision].get("image_note_image_only", "") if spec.image_only else spec.text("image_note")
        parts = (TextPart("\n".join(x for x in (body, note) if x)), image, TextPart(cue))
        msgs[-1] = Message(final.role, tuple(p for p in parts if not (isinstance(p, TextPart) and not p.text)))
    return msgs


def reask_messages(spec: PromptSpec, base: list[Message], reply: str, problem: str) -> list[Message]:
    """The conversation so far plus the unusable reply and a request that names the problem."""
    return [*base, Message.text("assistant", reply), Message.text("user", spec.text("reask", problem=problem, keys=spec.keys))]


def duplicate_messages(spec: PromptSpec, base: list[Message], reply: str, config: dict[str, Any], loss: float) -> list[Message]:
    """Ask once more after a repeat on a deterministic benchmark."""
    if spec.image_only:
        text = spec.text("duplicate_image_only", config=compact(config, spec.space))
    else:
        text = spec.text("duplicate", config=compact(config, spec.space), loss=loss)
    return [*base, Message.text("assistant", reply), Message.text("user", text)]
