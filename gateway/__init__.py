"""Provider-agnostic LLM gateway: one `Request` in, one `Response` out, through the record/replay cache.

Importing this package loads nothing: each name below is imported on first use (PEP 562), so the
pytest plugin (`llmhpo.gateway.pytest_plugin`, loaded into every suite of an environment where llmhpo
is installed) starts even when the rest of llmhpo cannot be imported. Provider libraries (litellm,
xllamacpp) load on the first live call.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmhpo.gateway.client import LLMClient
    from llmhpo.gateway.errors import ConfigurationError, GatewayError, ProviderError, TransientProviderError
    from llmhpo.gateway.gateway import DEFAULT_MODEL, Gateway, Ledger, Tally
    from llmhpo.gateway.images import image_from_bytes, load_image
    from llmhpo.gateway.types import ImagePart, Message, Request, Response, TextPart, Usage

_HOME = {
    "client": ("LLMClient",),
    "errors": ("ConfigurationError", "GatewayError", "ProviderError", "TransientProviderError"),
    "gateway": ("DEFAULT_MODEL", "Gateway", "Ledger", "Tally"),
    "images": ("image_from_bytes", "load_image"),
    "types": ("ImagePart", "Message", "Request", "Response", "TextPart", "Usage"),
}
_MODULE_OF = {name: module for module, names in _HOME.items() for name in names}

__all__ = [  # the names of _HOME (tests/installs/test_plugin_harmless.py checks they agree)
    "DEFAULT_MODEL",
    "ConfigurationError",
    "Gateway",
    "GatewayError",
    "ImagePart",
    "LLMClient",
    "Ledger",
    "Message",
    "ProviderError",
    "Request",
    "Response",
    "Tally",
    "TextPart",
    "TransientProviderError",
    "Usage",
    "image_from_bytes",
    "load_image",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"llmhpo.gateway.{module}"), name)
    globals()[name] = value
    return value
