"""A model that repeats itself: every reply is the last configuration the prompt shows.

Why: small models do this (the demo's embedded model repeated 19 of 42 proposals), and it drives
the harness's duplicate handling (re-ask, then perturbation) and shows whether the history the
prompt shows is what was evaluated: a perturbed config shown rounded and proposed back must count as
a repeat. The first ask repeats the format instruction's example (the default config).
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.servers.base import Received
from tests.servers.openai import OpenAIServer
from tests.servers.replies import _KEYS, _keys

_FLAT_OBJECT = re.compile(r"\{[^{}]*\}")


def last_config(prompt: str) -> dict[str, Any] | None:
    """The last flat JSON object in `prompt` holding every key the prompt asks for."""
    keys = _keys(_KEYS, prompt)
    if not keys:
        return None
    for blob in reversed(_FLAT_OBJECT.findall(prompt)):
        try:
            found = json.loads(blob)
        except ValueError:
            continue
        if isinstance(found, dict) and all(k in found for k in keys):
            return {k: found[k] for k in keys}
    return None


class RepeatingOpenAIServer(OpenAIServer):
    """The OpenAI wire format, answered by a model that repeats the last config it was shown."""

    def answer(self, received: Received) -> str:
        found = last_config(self.prompt_text(received))
        return json.dumps(found) if found is not None else super().answer(received)
