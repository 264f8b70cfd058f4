"""Provider-agnostic LLM gateway: one `Request` in, one `Response` out, through the record/replay cache.

Importing this package is cheap: provider libraries (litellm, xllamacpp) load on first live call.
"""

from llmhpo.gateway.errors import ConfigurationError, GatewayError, ProviderError, TransientProviderError
from llmhpo.gateway.gateway import DEFAULT_MODEL, Gateway, Ledger, Tally
from llmhpo.gateway.images import image_from_bytes, load_image
from llmhpo.gateway.types import ImagePart, Message, Request, Response, TextPart, Usage

__all__ = [
    "DEFAULT_MODEL",
    "ConfigurationError",
    "Gateway",
    "GatewayError",
    "ImagePart",
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
