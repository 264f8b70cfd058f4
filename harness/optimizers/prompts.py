"""Versioned prompt templates and the message builders of the LLM optimizers.

Prompt wording changes results, so every template is named, the set is versioned, and
`TEMPLATE_HASHES` (name -> sha256) goes into run manifests: two runs with equal hashes sent the
same words. The structure follows Zhang et al. (problem message, then one short feedback message
per trial in chat style, "This is the last try." before the final proposal, optional chain of
thought and expert system prompt) and mm-llm-hpo (one message holding the whole history, JSON
bounds, an attached plot); the wording of the longer templates is ours.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llmhpo.gateway.types import ImagePart, Message, TextPart
from llmhpo.harness.optimizers.history import Observation
from llmhpo.harness.space import SearchSpace
from llmhpo.harness.values import short_number

TEMPLATE_VERSION = "1"

TEMPLATES: dict[str, str] = {
    "system": "You are a machine learning expert.",
    "intro": "You are helping tune the hyperparameters of {description}. This is the search space:\n{space}",
    "budget": "We have a budget of {budget} configurations to try in total.",
    "feedback_chat": "After each configuration you will be told its validation loss (lower is better) "
    "before you specify the next one.",
    "feedback_compressed": "Below are the configurations tried so far with their validation loss (lower is better).",
    "feedback_image_only": "Below are the configurations tried so far, one per iteration; their validation "
    "losses (lower is better) are only shown in the attached plot.",
    "goal": "The goal is to find the configuration with the lowest loss within the budget, so explore other "
    "parts of the search space when the loss stops improving.",
    "deterministic": "Evaluations are deterministic: a configuration always gives the same loss, so never repeat one.",
    "history_header": "Tried so far:",
    "history_empty": "Nothing has been tried yet.",
    "history_line": "Config: {config}, loss = {loss:.4e}",
    "history_line_image_only": "Iteration {i}: Config: {config}",
    "history_crashed": " (the training run crashed; this is the worst loss)",
    "history_crashed_image_only": " (the training run crashed)",
    "image_note": "The attached plot shows the validation loss per iteration with the best so far, and the loss "
    "against each hyperparameter.",
    "format": "Answer with one configuration as a single-line JSON object with exactly the keys {keys}, for "
    "example {example}. Config:",
    "format_cot": "Answer in two lines:\nAnalysis: a few sentences on what worked so far and what to try next\n"
    "Config: one JSON object with exactly the keys {keys}",
    "transition": "loss = {loss:.4e}. Specify the next config.",
    "transition_cot": "loss = {loss:.4e}. Write two lines as follows:\nAnalysis: a few sentences on what worked "
    "so far and what to choose next\nConfig: (JSON config)",
    "next": "Specify the next config.",
    "next_cot": "Write two lines as follows:\nAnalysis: a few sentences on what worked so far and what to "
    "choose next\nConfig: (JSON config)",
    "crashed": "The training run for that config crashed; its loss is reported as the worst loss.",
    "adjusted": "Note: the config actually evaluated was {config} ({why}).",
    "external": "Another method evaluated {config}: loss = {loss:.4e}.",
    "external_crashed": "Another method evaluated {config}: it crashed, loss = {loss:.4e} (the worst loss).",
    "last_try": "This is the last try.",
    "reask": "I could not use your reply ({problem}). Answer with one JSON object with exactly the keys {keys}, "
    "every value inside the search space.",
    "duplicate": "The configuration {config} was already evaluated (loss = {loss:.4e}) and evaluations are "
    "deterministic. Specify a different config.",
    "duplicate_image_only": "The configuration {config} was already evaluated and evaluations are "
    "deterministic. Specify a different config.",
    "narrow": "{intro}\n{history}\nPropose a narrower search range for the numeric hyperparameters that is "
    "likely to hold the best configuration. Answer with one JSON object mapping each of {keys} to "
    "[lower, upper].",
}

# revision -> its templates; every revision a recorded campaign may name stays here (harness/revisions.py)
PROMPT_REVISIONS: dict[str, dict[str, str]] = {"1": TEMPLATES}

TEMPLATE_HASHES: dict[str, str] = {
    name: hashlib.sha256(f"{TEMPLATE_VERSION}\0{name}\0{text}".encode()).hexdigest()
    for name, text in sorted(TEMPLATES.items())
}

DEFAULT_DESCRIPTION = "a machine learning model"


def t(name: str, **values: Any) -> str:
    return TEMPLATES[name].format(**values)


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
    revision: str = TEMPLATE_VERSION  # the prompts revision (harness/revisions.py)

    @property
    def keys(self) -> str:
        return ", ".join(json.dumps(n) for n in self.space.names)

    def intro(self) -> str:
        return t("intro", description=self.description.rstrip(". "), space=self.space.describe(self.space_style))

    def format_instruction(self) -> str:
        if self.cot:
            return t("format_cot", keys=self.keys)
        return t("format", keys=self.keys, example=compact(self.space.default(), self.space))


def _own_feedback(spec: PromptSpec, obs: Observation) -> list[str]:
    parts = [t("adjusted", config=compact(obs.config, spec.space), why="; ".join(obs.notes))] if obs.notes else []
    if obs.crashed:
        parts.append(t("crashed"))
    return parts


def _external_line(spec: PromptSpec, obs: Observation) -> str:
    return t("external_crashed" if obs.crashed else "external", config=compact(obs.config, spec.space), loss=obs.loss)


def history_block(spec: PromptSpec, history: Sequence[Observation]) -> str:
    """The history as one "Tried so far:" block (compressed prompts, hybrids' narrowing request)."""
    if not history:
        return t("history_empty")
    lines = [t("history_header")]
    for i, obs in enumerate(history, start=1):
        if spec.image_only:
            line = t("history_line_image_only", i=i, config=compact(obs.config, spec.space))
            line += t("history_crashed_image_only") if obs.crashed else ""
        else:
            line = t("history_line", config=compact(obs.config, spec.space), loss=obs.loss)
            line += t("history_crashed") if obs.crashed else ""
        lines.append(line)
    return "\n".join(lines)


def _preamble(spec: PromptSpec, feedback: str) -> list[str]:
    parts = [spec.intro()]
    if spec.budget_sentence:
        parts.append(t("budget", budget=spec.budget))
    parts.append(feedback)
    parts.append(t("goal"))
    if spec.deterministic:
        parts.append(t("deterministic"))
    return parts


def chat_messages(spec: PromptSpec, history: Sequence[Observation], *, last: bool) -> list[Message]:
    """The growing multi-turn conversation: problem, then (reply, feedback) per own trial.

    Configs from another method that arrive before the model's first own proposal join the problem
    message; later ones join the next feedback message.
    """
    msgs: list[Message] = [Message.text("system", t("system"))] if spec.system else []
    first_own = next((i for i, o in enumerate(history) if o.own), len(history))
    head = _preamble(spec, t("feedback_chat"))
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
        user_texts[-1] = t("last_try") + " " + user_texts[-1]
    for i, text in enumerate(user_texts):
        msgs.append(Message.text("user", text))
        if i < len(assistant_texts):
            msgs.append(Message.text("assistant", assistant_texts[i]))
    return msgs


def _feedback_message(spec: PromptSpec, notes: list[str], own_loss: float, external: list[str]) -> str:
    """Notes about the model's last config, its loss with the transition sentence; results of
    another method's configs (hybrids) go between the loss and the request for the next config."""
    if not external:
        return " ".join([*notes, t("transition_cot" if spec.cot else "transition", loss=own_loss)])
    tail = t("next_cot") if spec.cot else t("next")
    return " ".join([*notes, f"loss = {own_loss:.4e}.", *external, tail])


def compressed_messages(spec: PromptSpec, history: Sequence[Observation], *, last: bool) -> list[Message]:
    """One message with the whole history (mm-llm-hpo style, and Zhang's compressed variant)."""
    msgs: list[Message] = [Message.text("system", t("system"))] if spec.system else []
    feedback = "feedback_image_only" if spec.image_only else "feedback_compressed"
    parts = _preamble(spec, t(feedback))
    parts.append(history_block(spec, history))
    if last:
        parts.append(t("last_try"))
    parts.append(spec.format_instruction())
    msgs.append(Message.text("user", "\n".join(parts)))
    return msgs


def answer_cue(spec: PromptSpec, text: str) -> str:
    """The request for the next config that ends `text` (format instruction or "Specify the next
    config."), or "" when the text ends otherwise."""
    for cue in (spec.format_instruction(), t("next_cot") if spec.cot else t("next")):
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
        note = "" if spec.image_only else t("image_note")
        parts = (TextPart("\n".join(x for x in (body, note) if x)), image, TextPart(cue))
        msgs[-1] = Message(final.role, tuple(p for p in parts if not (isinstance(p, TextPart) and not p.text)))
    return msgs


def reask_messages(spec: PromptSpec, base: list[Message], reply: str, problem: str) -> list[Message]:
    """The conversation so far plus the unusable reply and a request that names the problem."""
    return [*base, Message.text("assistant", reply), Message.text("user", t("reask", problem=problem, keys=spec.keys))]


def duplicate_messages(spec: PromptSpec, base: list[Message], reply: str, config: dict[str, Any], loss: float) -> list[Message]:
    """Ask once more after a repeat on a deterministic benchmark."""
    if spec.image_only:
        text = t("duplicate_image_only", config=compact(config, spec.space))
    else:
        text = t("duplicate", config=compact(config, spec.space), loss=loss)
    return [*base, Message.text("assistant", reply), Message.text("user", text)]
