"""Provider-agnostic LLM gateway: one `Request` in, one `Response` out, through the record/replay cache.

Importing this package is cheap: provider libraries (litellm, xllamacpp) load on first live call.
"""

from gateway.errors import ConfigurationError, GatewayError, ProviderError, TransientProviderError
from gateway.gateway import DEFAULT_MODEL, Gateway, Ledger, Tally
from gateway.images import image_from_bytes, load_image
from gateway.types import ImagePart, Message, Request, Response, TextPart, Usage

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
