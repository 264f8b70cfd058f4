"""`[model_settings."<provider/model>"]` in a campaign spec: where each model is served, and what it accepts.

Why per model: a campaign may compare models behind different servers; one global --api-base
cannot say that. Only the endpoint and the NAME of the variable holding the key live in a spec
(and so in the manifest): a key itself never does. `capabilities` overrides what litellm's model map
says (or does not know) about a model, checked by `gateway.capabilities.check_overrides`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr

from llmhpo.gateway.capabilities import check_overrides
from llmhpo.gateway.endpoints import Endpoint
from llmhpo.gateway.errors import ConfigurationError
from llmhpo.harness.errors import UserError
from llmhpo.harness.limits import check_api_base, check_http_url
from llmhpo.harness.spec.errors import invalid

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _api_base(url: str) -> str:
    try:
        return check_http_url(url, "api_base")
    except ValueError as exc:
        raise invalid(str(exc).removeprefix("api_base ")) from None


def _env_name(name: str) -> str:
    if not _ENV_NAME.match(name):
        raise invalid("must be the NAME of an environment variable; never put a key itself in a spec")
    return name


def _capabilities(value: Any) -> dict[str, Any]:
    try:
        return check_overrides(value, "capabilities")
    except ConfigurationError as exc:
        raise invalid(str(exc).removeprefix("capabilities: ")) from None


def _full_model_name(model: str) -> str:
    if "/" not in model:
        raise invalid("expected a full model name with its provider prefix (e.g. openai/gpt-4o)")
    return model


class ModelSettings(BaseModel):
    """One model's entry; only the keys written in the spec are kept (see `settings_table`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_base: Annotated[StrictStr, AfterValidator(_api_base)] | None = None
    api_key_env: Annotated[StrictStr, AfterValidator(_env_name)] | None = None
    capabilities: Annotated[Any, AfterValidator(_capabilities)] = None


ModelName = Annotated[StrictStr, AfterValidator(_full_model_name)]
ModelSettingsTable = dict[ModelName, ModelSettings]


def settings_table(entries: dict[str, ModelSettings] | None) -> dict[str, dict[str, Any]]:
    """model -> the settings the spec wrote (the plain table campaigns, manifests and endpoints use)."""
    return {m: e.model_dump(exclude_unset=True) for m, e in (entries or {}).items()}


def endpoints_for(settings: dict[str, dict[str, Any]], models: list[str],
                  api_base: str | None = None) -> dict[str, Endpoint]:
    """Endpoints per model from the spec's settings, with `llmhpo run --api-base` for a single model."""
    out = {m: Endpoint(api_base=s.get("api_base"), api_key_env=s.get("api_key_env")) for m, s in settings.items()}
    if api_base is not None:
        check_api_base(api_base)
        distinct = sorted(set(models))
        if len(distinct) != 1:
            listing = ", ".join(distinct) or "none"
            raise UserError(f"--api-base sets the endpoint of one model, but the campaign uses {len(distinct)} "
                            f"({listing}); add --model M, or set api_base per model in [model_settings]")
        model = distinct[0]
        prior = out.get(model, Endpoint())
        out[model] = Endpoint(api_base=api_base, api_key_env=prior.api_key_env)
    return out
