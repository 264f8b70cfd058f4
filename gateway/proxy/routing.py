"""Which llmhpo model a client's model name means: the proxy's one routing rule.

A name with a known llmhpo prefix (`openai/gpt-4o`, `local/smollm2-135m`) is used as it is. A bare
name is routed by its family, the way the providers name their models:

| bare name                                   | routed to      |
|---------------------------------------------|----------------|
| `gpt-*`, `chatgpt-*`, `o1*`, `o3*`, `o4*`   | `openai/`      |
| `claude-*`                                  | `anthropic/`   |
| `gemini-*`                                  | `gemini/`      |
| a catalogued local model (`smollm2-135m`)   | `local/`       |
| anything else                               | `--default-prefix` if set, else HTTP 400 |
"""

from __future__ import annotations

import fnmatch

from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.models import CATALOGUE
from llmhpo.gateway.providers import PROVIDERS

FAMILIES: tuple[tuple[str, str], ...] = (
    ("gpt-*", "openai"),
    ("chatgpt-*", "openai"),
    ("o1*", "openai"),
    ("o3*", "openai"),
    ("o4*", "openai"),
    ("claude-*", "anthropic"),
    ("gemini-*", "gemini"),
)


def route_model(name: object, default_prefix: str | None = None) -> str:
    """The full llmhpo model id for `name`; ConfigurationError when no rule applies."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError("the request has no 'model' (a string such as 'gpt-4o' or 'openai/gpt-4o')")
    name = name.strip()
    prefix, sep, rest = name.partition("/")
    if sep and rest and prefix in PROVIDERS:
        return name
    lowered = name.lower()
    for pattern, family in FAMILIES:
        if fnmatch.fnmatchcase(lowered, pattern):
            return f"{family}/{name}"

    if name in CATALOGUE:
        return f"local/{name}"
    if default_prefix:
        return f"{default_prefix}/{name}"
    raise ConfigurationError(
        f"cannot route model {name!r}: use an llmhpo prefix ({', '.join(sorted(PROVIDERS))}, e.g. "
        "openai/gpt-4o) or a bare name of a known family (gpt-*, o1*/o3*/o4*, claude-*, gemini-*), "
        "or start the proxy with --default-prefix"
    )
