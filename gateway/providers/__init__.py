"""Provider registry, by model prefix ("local/smollm2-135m" -> the `local` provider).

Adding a provider family: one file in this package and one line in PROVIDERS, or, from outside the
package (a plugin, a test), one `register(prefix, "module:Class")` call. Entries are import paths so
that a provider's heavy library (litellm) is imported only when one of its models is used. What a
provider's models accept is declared by its `capabilities(model)` (gateway.capabilities), never
guessed from a model's name elsewhere.
"""

from __future__ import annotations

import importlib
import threading

from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.providers.base import Provider

PROVIDERS: dict[str, str] = {
    "local": "llmhpo.gateway.providers.local:LocalProvider",
    "openai": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
    "anthropic": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
    "gemini": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
    "ollama": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
    "ollama_chat": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
    "hosted_vllm": "llmhpo.gateway.providers.litellm:LiteLLMProvider",
}
BUILT_IN = frozenset(PROVIDERS)

_instances: dict[str, Provider] = {}
_lock = threading.Lock()


def prefix_of(model: str) -> str:
    prefix, sep, rest = model.partition("/")
    if not sep or not rest:
        raise ConfigurationError(
            f"model {model!r} has no provider prefix; use one of: {', '.join(sorted(PROVIDERS))} "
            "(e.g. local/smollm2-135m, openai/gpt-4o)"
        )
    if prefix not in PROVIDERS:
        raise ConfigurationError(
            f"unknown provider prefix {prefix!r} in model {model!r}; known prefixes: {', '.join(sorted(PROVIDERS))}"
        )
    return prefix


def provider_for(model: str) -> Provider:
    """The (process-wide, lazily created) provider instance that serves `model`."""
    target = PROVIDERS[prefix_of(model)]
    with _lock:
        if target not in _instances:
            module_name, _, class_name = target.partition(":")
            _instances[target] = getattr(importlib.import_module(module_name), class_name)()
        return _instances[target]


def register(prefix: str, target: str) -> None:
    """Add a provider family defined outside this package: `<prefix>/...` models are then served by
    `target` ("module:Class", instantiated without arguments on first use, once per process)."""
    module_name, sep, class_name = target.partition(":")
    if not prefix or "/" in prefix or not sep or not module_name or not class_name:
        raise ConfigurationError(f"register({prefix!r}, {target!r}): expected a prefix without '/' and 'module:Class'")
    if prefix in PROVIDERS:
        raise ConfigurationError(f"provider prefix {prefix!r} is already registered")
    PROVIDERS[prefix] = target


def unregister(prefix: str) -> None:
    """Remove a provider family added by `register` (built-in ones stay) and forget its instance."""
    if prefix in BUILT_IN or prefix not in PROVIDERS:
        return
    target = PROVIDERS.pop(prefix)
    with _lock:
        if target not in PROVIDERS.values():
            _instances.pop(target, None)
