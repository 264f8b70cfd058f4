"""What a model accepts, answered in one place: litellm's model map, then explicit overrides.

Why here and nowhere else: guessing from names (a schema for every `openai/` model, vision from
`gpt-4o*` patterns) sent structured output to gpt-4-turbo, which the real API refuses. litellm
keeps a per-model map (`supports_vision`, `supports_response_schema`, the OpenAI parameters each
provider accepts, the context window), so hosted answers come from it. litellm is imported only
when a hosted model's capabilities are first needed in a live process; a replay pins the answers
its manifest recorded (`Gateway(capabilities=...)`) and never imports it.

Models litellm does not know (a self-hosted vLLM, a fine-tune) can be described explicitly, per
model in a campaign spec (`[model_settings."<model>"].capabilities`) or for every process with
`LLMHPO_CAPABILITIES='{"hosted_vllm/*": {"response_schema": true}}'` (keys are fnmatch patterns on
the full model id). The spec is the most specific and wins over the environment.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from llmhpo.gateway.errors import ConfigurationError

ENV = "LLMHPO_CAPABILITIES"
FIELDS = ("images", "response_schema", "json_mode", "seed", "max_context")


@dataclass(frozen=True)
class Capabilities:
    """What a model accepts. `source` says where the answer came from (shown in manifests)."""

    images: bool = False
    response_schema: bool = False
    json_mode: bool = False
    seed: bool = False
    max_context: int | None = None
    source: str = "default"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Capabilities:
        return cls(**{k: data[k] for k in (*FIELDS, "source") if k in data})

    def with_overrides(self, overrides: Mapping[str, Any], source: str) -> Capabilities:
        """These capabilities with some fields replaced (already validated by `check_overrides`)."""
        if not overrides:
            return self
        return dataclasses.replace(self, **dict(overrides), source=f"{self.source}+{source}")


def check_overrides(value: Any, where: str) -> dict[str, Any]:
    """A validated {field: value} override table; ConfigurationError naming `where` otherwise."""
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{where}: capabilities must be a table like {{ images = true }}")
    out: dict[str, Any] = {}
    for key, v in value.items():
        if key not in FIELDS:
            raise ConfigurationError(f"{where}: unknown capability {key!r}; known: {', '.join(FIELDS)}")
        if key == "max_context":
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
                raise ConfigurationError(f"{where}: max_context must be a positive integer, got {v!r}")
        elif not isinstance(v, bool):
            raise ConfigurationError(f"{where}: {key} must be true or false, got {v!r}")
        out[key] = v
    return out


def env_overrides(model: str) -> dict[str, Any]:
    """Overrides from LLMHPO_CAPABILITIES for `model` (every matching pattern, in file order)."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return {}
    try:
        table = json.loads(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{ENV} is not valid JSON ({exc}); expected {{\"<model pattern>\": {{...}}}}") from None
    if not isinstance(table, dict):
        raise ConfigurationError(f"{ENV} must be a JSON object mapping model patterns to capability tables")
    out: dict[str, Any] = {}
    for pattern, value in table.items():
        if fnmatch.fnmatchcase(model, pattern):
            out.update(check_overrides(value, f"{ENV}[{pattern!r}]"))
    return out


def from_litellm(model: str) -> Capabilities:
    """litellm's answer for a hosted model (imports litellm: seconds, live processes only)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    try:
        info = litellm.get_model_info(model)
    except Exception:  # noqa: BLE001 - litellm raises plain Exceptions for unmapped models
        info = None
    try:
        params = set(litellm.get_supported_openai_params(model=model) or ())
    except Exception:  # noqa: BLE001 - unknown provider route
        params = set()
    return Capabilities(
        images=bool(litellm.supports_vision(model)),
        response_schema=bool(litellm.supports_response_schema(model)),
        json_mode="response_format" in params,
        seed="seed" in params,
        max_context=(info or {}).get("max_input_tokens"),
        source="litellm" if info else "litellm (model not in its map)",
    )
