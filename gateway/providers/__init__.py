"""Provider registry, by model prefix ("local/smollm2-135m" -> the `local` provider).

Adding a provider family: one file in this package with a `Provider` subclass (base.py) and one
line in PROVIDERS, or, from outside the package (a plugin, a test), one
`register(prefix, "module:Class")` call (or the class itself). Entries are import paths so that a
provider's heavy library (litellm) is imported only when one of its models is used. The registry is
`llmhpo.registry.Registry`, shared with optimizers and benchmark families. What a provider's models
accept is declared by its `capabilities(model)` (gateway.capabilities), never guessed from a model's
name elsewhere.
"""

from __future__ import annotations

import threading

from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.providers.base import Provider
from llmhpo.registry import Registry, RegistryError

PROVIDERS: dict[str, str | type[Provider]] = {
    "local": "llmhpo.gateway.providers.local:LocalProvider",
    "openai": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
    "anthropic": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
    "gemini": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
    "ollama": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
    "ollama_chat": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
    "hosted_vllm": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
}


class ProviderRegistryError(ConfigurationError, RegistryError):
    """An unknown provider prefix or one already taken (a ConfigurationError: CLI exit 2)."""


REGISTRY: Registry[Provider] = Registry("provider prefix", PROVIDERS, Provider, error=ProviderRegistryError,
                                        forbidden="/", plural="provider prefixes")
BUILT_IN = REGISTRY.built_in

_instances: dict[str | type[Provider], Provider] = {}
_lock = threading.Lock()


def names() -> list[str]:
    return REGISTRY.names()


def prefix_of(model: str) -> str:
    prefix, sep, rest = model.partition("/")
    if not sep or not rest:
        raise ConfigurationError(
            f"model {model!r} has no provider prefix; use one of: {', '.join(sorted(PROVIDERS))} "
            "(e.g. local/smollm2-135m, openai/gpt-4o)"
        )
    if prefix not in REGISTRY:
        raise REGISTRY.unknown(prefix, f" in model {model!r}")
    return prefix


def provider_class(prefix: str) -> type[Provider]:
    """The class registered for `prefix`, its module imported now (not before)."""
    return REGISTRY.resolve(prefix)


def provider_for(model: str) -> Provider:
    """The (process-wide, lazily created) provider instance that serves `model`."""
    prefix = prefix_of(model)
    target = PROVIDERS[prefix]
    with _lock:
        if target not in _instances:
            _instances[target] = provider_class(prefix)()
        return _instances[target]


def register(prefix: str, target: str | type[Provider]) -> None:
    """Add a provider family defined outside this package: `<prefix>/...` models are then served by
    `target` (a Provider subclass or "module:Class", instantiated without arguments on first use,
    once per process)."""
    REGISTRY.register(prefix, target)


def unregister(prefix: str) -> None:
    """Remove a provider family added by `register` (built-in ones stay) and forget its instance."""
    target = PROVIDERS.get(prefix)
    REGISTRY.unregister(prefix)
    if target is not None and target not in PROVIDERS.values():
        with _lock:
            _instances.pop(target, None)
