"""Where one model is served and which env var holds its key (CONTRACTS.md §2; owned by #15).

A campaign can compare a self-hosted server, a hosted model and the embedded model, each at its own
address with its own key. The key's *name* is configuration; the key itself is read from the
environment at call time and never stored (not in the cache key, the manifest or the journal).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from gateway.errors import ConfigurationError


@dataclass(frozen=True)
class Endpoint:
    api_base: str | None = None
    api_key_env: str | None = None

    def key(self) -> str | None:
        """The key from `api_key_env` (read now); ConfigurationError when that variable is unset."""
        if not self.api_key_env:
            return None
        value = os.environ.get(self.api_key_env)
        if not value:
            raise ConfigurationError(f"the environment variable {self.api_key_env} (named as this model's "
                                     "api_key_env) is not set")
        return value
