"""`[model_settings."<model>"]` in a campaign spec: per-model endpoint and capability overrides.

CONTRACTS.md §2: `api_base` and `api_key_env` (the *name* of the variable holding the key; #15
owns their plumbing) and `capabilities` (#9: what a model litellm does not know accepts). Kept out
of the spec hash: fixing an endpoint or a key and re-running resumes the same campaign.
"""

from __future__ import annotations

import re
from typing import Any

from gateway.errors import ConfigurationError

MODEL_KEYS = ("api_base", "api_key_env", "capabilities")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse(value: Any, problems: list[str]) -> dict[str, dict[str, Any]]:
    """The validated table (model -> settings); each problem appended as one line."""
    from gateway.capabilities import check_overrides

    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append('model_settings: expected tables like [model_settings."openai/gpt-4o"]')
        return {}
    out: dict[str, dict[str, Any]] = {}
    for model, table in value.items():
        where = f"model_settings.{model!r}"
        if "/" not in model:
            problems.append(f"{where}: use the full model name with its provider prefix (e.g. openai/gpt-4o)")
            continue
        if not isinstance(table, dict):
            problems.append(f"{where}: expected a table with {', '.join(MODEL_KEYS)}")
            continue
        settings: dict[str, Any] = {}
        for key, v in table.items():
            if key not in MODEL_KEYS:
                problems.append(f"{where}: unknown key {key!r}; allowed: {', '.join(MODEL_KEYS)}")
            elif key == "capabilities":
                try:
                    settings[key] = check_overrides(v, f"{where}.capabilities")
                except ConfigurationError as exc:
                    problems.append(str(exc))
            elif key == "api_key_env" and not (isinstance(v, str) and _ENV_NAME.match(v)):
                problems.append(f"{where}: api_key_env is the NAME of an environment variable (got {v!r}); "
                                "never put the key itself in a spec")
            elif key == "api_base" and not (isinstance(v, str) and "://" in v):
                problems.append(f"{where}: api_base must be a URL like http://127.0.0.1:8000/v1 (got {v!r})")
            else:
                settings[key] = v
        out[model] = settings
    return out


def gateway_kwargs(settings: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Gateway(capabilities=..., endpoints=...) for these settings."""
    from gateway.endpoints import Endpoint

    caps = {m: s["capabilities"] for m, s in settings.items() if s.get("capabilities")}
    endpoints = {m: Endpoint(s.get("api_base"), s.get("api_key_env"))
                 for m, s in settings.items() if s.get("api_base") or s.get("api_key_env")}
    return {"capabilities": caps, "endpoints": endpoints}
