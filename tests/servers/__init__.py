"""Real HTTP servers on 127.0.0.1 that speak provider wire formats, for offline gateway tests.

Each server records every request it receives (path, headers, parsed JSON body) and replies from a
script of behaviours, so a test can inject 429s, 5xx, hangs and malformed bodies on demand.
"""

from tests.servers.anthropic import AnthropicServer
from tests.servers.base import Behaviour, RecordingServer
from tests.servers.gemini import GeminiServer
from tests.servers.openai import OpenAIServer

__all__ = ["AnthropicServer", "Behaviour", "GeminiServer", "OpenAIServer", "RecordingServer"]
