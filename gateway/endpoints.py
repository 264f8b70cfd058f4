"""Per-model endpoints: where a model is served and which environment variable holds its key.

Why a separate table instead of one global `api_base`: a campaign may compare models served by
different self-hosted servers (or by a proxy for one and the vendor for another). The key itself
is never stored anywhere: only the variable's NAME is, and it is read at call time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.types import Message, Request, strip_credentials

if TYPE_CHECKING:
    from llmhpo.gateway.types import Request

NO_ENDPOINT = ""  # api_base meaning "the provider's default endpoint, whatever the environment says"


@dataclass(frozen=True)
class Endpoint:
    """api_base: the URL `Gateway.prepare` pins when a request names none (`NO_ENDPOINT` pins
    "no endpoint", so a replay keys requests as they were keyed live even if OPENAI_API_BASE is set
    now). api_key_env: the name of the environment variable holding this model's key."""

    api_base: str | None = None
    api_key_env: str | None = None

    def api_key(self) -> str | None:
        """The key from `api_key_env`, read now; ConfigurationError when the variable is unset."""
        if not self.api_key_env:
            return None
        value = os.environ.get(self.api_key_env)
        if not value:
            raise ConfigurationError(f"environment variable {self.api_key_env} (the api_key_env of this model) is not set")
        return value

    def public(self) -> dict[str, Any]:
        """What a manifest may show: the endpoint without credentials and the key variable's name."""
        return {"api_base": strip_credentials(self.api_base), "api_key_env": self.api_key_env}


def endpoints_from(table: Mapping[str, Mapping[str, Any]] | None, *, pinned: bool = False) -> dict[str, Endpoint]:
    """Endpoints from a {model: {"api_base": ..., "api_key_env": ...}} table (a manifest or spec).

    pinned=True (replaying a manifest): a model recorded without an endpoint gets `NO_ENDPOINT`, so
    an environment variable set now cannot change how its requests are keyed.
    """
    out: dict[str, Endpoint] = {}
    for model, entry in (table or {}).items():
        base, env = entry.get("api_base"), entry.get("api_key_env")
        base = base if isinstance(base, str) and base else (NO_ENDPOINT if pinned else None)
        out[str(model)] = Endpoint(api_base=base, api_key_env=env if isinstance(env, str) else None)
    return out


class Routing(Protocol):
    """What `record_endpoints` asks of a gateway.Gateway (which imports this module, so it is named
    by what it does here): its pinned endpoints, and a request as it would be sent."""

    @property
    def endpoints(self) -> Mapping[str, Endpoint]: ...

    def prepare(self, request: Request) -> tuple[Request, object]: ...


def record_endpoints(gateway: Routing, models: Iterable[str]) -> dict[str, dict[str, Any]]:
    """For a manifest: the endpoint each model's requests are keyed by now (scheme, host, port,
    path; never credentials) and the name of its key variable."""
    out: dict[str, dict[str, Any]] = {}
    for model in sorted(set(models)):
        request, _ = gateway.prepare(Request(model=model, messages=(Message.text("user", ""),)))
        endpoint = gateway.endpoints.get(model) or Endpoint()
        out[model] = Endpoint(api_base=request.api_base, api_key_env=endpoint.api_key_env).public()
    return out
