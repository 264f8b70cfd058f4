"""The wording of the LLM optimizers' prompts, one template set per prompts revision.

Why a module of its own: the words are data that old campaigns depend on (they are part of every
cache key), so each revision's set is kept here unchanged once a campaign may have run with it
(harness/revisions.py); the builders in prompts.py take the set of their PromptSpec's revision.
`template_hashes(revision)` (name -> sha256) goes into manifests: equal hashes, equal words.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

# Revision 1: every campaign recorded before revisions existed. Never edit: add a revision.
TEMPLATES_1: Mapping[str, str] = {
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

# Revision 2 (issue #26): the task description states the fixed settings (benchmarks' describe(),
# filled into the same intro), and no sentence speaks of a plot unless one is attached: the
# image-only preamble no longer says the losses are "in the attached plot" (its first prompt has
# none); that sentence joins the plot. A task whose description did not change (toy, plugins) gets
# the same text-only prompts as in revision 1, so their recordings stay valid for both.
TEMPLATES_2: Mapping[str, str] = {
    **TEMPLATES_1,
    "feedback_image_only": "Below are the configurations tried so far, one per iteration; their validation losses "
    "(lower is better) are not listed.",
    "image_note_image_only": "The validation losses of the configurations tried so far are shown only in the attached "
    "plot: the loss per iteration with the best so far, and the loss against each hyperparameter.",
}

# revision -> its templates; every revision a recorded campaign may name stays here (harness/revisions.py)
PROMPT_REVISIONS: Mapping[str, Mapping[str, str]] = {"1": TEMPLATES_1, "2": TEMPLATES_2}


def template_hashes(revision: str) -> dict[str, str]:
    """name -> sha256 of (revision, name, text) for one revision's templates (the manifest's `template_hashes`)."""
    return {name: hashlib.sha256(f"{revision}\0{name}\0{text}".encode()).hexdigest()
            for name, text in sorted(PROMPT_REVISIONS[revision].items())}
