"""Revisions of what a campaign's LLM optimizers are shown and evaluate, kept so old campaigns replay.

Why: the prompt's words, the plot's content and the rules that turn a reply into the evaluated
config all change cache keys or results. A campaign records the revisions it ran with in its
manifest (`revisions`); a resume and a replay use those, a new campaign the newest. Changing any of
them means adding a new revision beside the old one (never editing an old one) and bumping CURRENT.

kinds:
- prompts:   the template wording (harness/optimizers/templates.py) and task descriptions
             (BaseBenchmark.describe / old_descriptions, benchmarks.base.task_description)
- plots:     the history plot's content and layout (harness/optimizers/plots.py, plot_rules.py)
- proposals: how a reply becomes the evaluated config (repair, rounding, duplicates, fallback)
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from llmhpo.harness.errors import UserError

Revisions = dict[str, str]

# What a campaign whose manifest has no `revisions` ran (every campaign recorded before they existed).
LEGACY: Mapping[str, str] = {"prompts": "1", "plots": "2", "proposals": "1"}
# What a new campaign runs. prompts 2: task descriptions with fixed settings, plot sentences only
# beside a plot; plots 3: robust loss axis, ties counted, best losses labelled (issue #26);
# proposals 2: every evaluated config is rounded as the prompt shows it, repeats found on that form (#23).
CURRENT: Mapping[str, str] = {"prompts": "2", "plots": "3", "proposals": "2"}

# kind -> "module:attribute" of the mapping that holds every revision the code still implements
IMPLEMENTED: Mapping[str, str] = {
    "prompts": "llmhpo.harness.optimizers.templates:PROMPT_REVISIONS",
    "plots": "llmhpo.harness.optimizers.plots:PLOT_REVISIONS",
    "proposals": "llmhpo.harness.optimizers.llm:PROPOSAL_REVISIONS",
}


def current() -> Revisions:
    """The revisions of a new campaign (a fresh dict)."""
    return dict(CURRENT)


def implemented(kind: str) -> tuple[str, ...]:
    """The revisions of `kind` this version of llmhpo can run, oldest first."""
    module, attribute = IMPLEMENTED[kind].split(":")
    return tuple(getattr(importlib.import_module(module), attribute))


def of_manifest(manifest: Mapping[str, Any]) -> Revisions:
    """The revisions a recorded campaign ran with (LEGACY for what its manifest does not name);
    UserError when it names one this llmhpo does not implement (recorded by a newer version)."""
    recorded = manifest.get("revisions") or {}
    if not isinstance(recorded, Mapping):
        raise UserError(f"manifest: 'revisions' must be an object (got {type(recorded).__name__})")
    revisions = {kind: str(recorded.get(kind, LEGACY[kind])) for kind in LEGACY}
    for kind, revision in revisions.items():
        known = implemented(kind)
        if revision not in known:
            raise UserError(f"this campaign was recorded with {kind} revision {revision!r}; this llmhpo implements "
                            f"{', '.join(known)}: replay or resume it with the llmhpo version that recorded it")
    return revisions
