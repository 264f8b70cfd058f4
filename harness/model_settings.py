"""`[model_settings."<provider/model>"]` in a campaign spec: where each model is served, and what it accepts.

Why per model: a campaign may compare models behind different servers; one global --api-base
cannot say that. Only the endpoint and the NAME of the variable holding the key live in a spec
(and so in the manifest): a key itself never does. `capabilities` overrides what litellm's model map
says (or does not know) about a model, checked by `gateway.capabilities.check_overrides`.
"""

from __future__ import annotations

import re
from typing import Any

from gateway.endpoints import Endpoint

KEYS = ("api_base", "api_key_env", "capabilities")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HTTP_URL = re.compile(r"^https?://[^/\s]+")


def parse_model_settings(value: Any, problems: list[str]) -> dict[str, dict[str, Any]]:
    """The validated table (model -> settings); every problem appended to `problems`."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append('model_settings: expected tables like [model_settings."openai/gpt-4o"]')
        return {}
    out: dict[str, dict[str, Any]] = {}
    for model, entry in value.items():
        where = f"model_settings.{model!r}"
        if "/" not in model:
            problems.append(f"{where}: expected a full model name with its provider prefix (e.g. openai/gpt-4o)")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a table with {', '.join(KEYS)}")
            continue
        for key in entry:
            if key not in KEYS:
                problems.append(f"{where}: unknown key {key!r}; allowed: {', '.join(KEYS)}")
        base = entry.get("api_base")
        if base is not None and (not isinstance(base, str) or not _HTTP_URL.match(base)):
            problems.append(f"{where}: api_base must be an http(s) URL like \"http://127.0.0.1:8000/v1\" (got {base!r})")
        elif base is not None and _has_credentials(base):
            problems.append(f"{where}: api_base must not carry credentials (user:password@ or a query string); "
                            "name the variable holding the key in api_key_env")
        env = entry.get("api_key_env")
        if env is not None and (not isinstance(env, str) or not _ENV_NAME.match(env)):
            problems.append(f"{where}: api_key_env must be the NAME of an environment variable (got {env!r}); "
                            "never put a key itself in a spec")
        settings = dict(entry)
        if "capabilities" in entry:
            from gateway.capabilities import check_overrides
            from gateway.errors import ConfigurationError

            try:
                settings["capabilities"] = check_overrides(entry["capabilities"], f"{where}.capabilities")
            except ConfigurationError as exc:
                problems.append(str(exc))
        out[model] = settings
    return out


def capability_overrides(settings: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Gateway(capabilities=...) for these settings: the per-model overrides a spec declares."""
    return {m: s["capabilities"] for m, s in settings.items() if s.get("capabilities")}


def _has_credentials(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return bool(parts.username or parts.password or parts.query)


def endpoints_for(settings: dict[str, dict[str, Any]], models: list[str],
                  api_base: str | None = None) -> dict[str, Endpoint]:
    """Endpoints per model from the spec's settings, with `llmhpo run --api-base` for a single model."""
    from harness.errors import UserError

    out = {m: Endpoint(api_base=s.get("api_base"), api_key_env=s.get("api_key_env")) for m, s in settings.items()}
    if api_base is not None:
        if not _HTTP_URL.match(api_base):
            raise UserError(f"--api-base must be an http(s) URL like http://127.0.0.1:8000/v1 (got {api_base!r})")
        distinct = sorted(set(models))
        if len(distinct) != 1:
            listing = ", ".join(distinct) or "none"
            raise UserError(f"--api-base sets the endpoint of one model, but the campaign uses {len(distinct)} "
                            f"({listing}); add --model M, or set api_base per model in [model_settings]")
        model = distinct[0]
        prior = out.get(model, Endpoint())
        out[model] = Endpoint(api_base=api_base, api_key_env=prior.api_key_env)
    return out
