"""What one call cost, from a small table of list prices; an unknown price is None, never 0.

Prices are USD per 1M input / output tokens: list prices as of 2026, from the providers' pricing
pages, may be outdated (check the provider before budgeting real money). We keep our own table
instead of litellm's cost map so that a replay, which never imports litellm, can still report what
a call would have cost. Dated snapshots ("gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022",
"gemini-1.5-pro-002", "...-latest") resolve to their family's price.
"""

from __future__ import annotations

import re

from llmhpo.gateway.types import Usage

# model name (without provider prefix) -> (USD per 1M input tokens, USD per 1M output tokens)
PRICES: dict[str, tuple[float, float]] = {
    # OpenAI
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4-turbo": (10.00, 30.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    # Anthropic
    "claude-3-5-sonnet": (3.00, 15.00),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-3-7-sonnet": (3.00, 15.00),
    "claude-3-haiku": (0.25, 1.25),
    "claude-sonnet-4": (3.00, 15.00),
    "claude-sonnet-4-5": (3.00, 15.00),
    "claude-opus-4": (15.00, 75.00),
    # Google
    "gemini-1.5-flash": (0.075, 0.30),
    "gemini-1.5-pro": (1.25, 5.00),
    "gemini-2.0-flash": (0.10, 0.40),
    "gemini-2.0-flash-lite": (0.075, 0.30),
    "gemini-2.5-flash": (0.30, 2.50),
    "gemini-2.5-flash-lite": (0.10, 0.40),
    "gemini-2.5-pro": (1.25, 10.00),
}

# Providers whose models run on the user's own hardware: a call costs nothing.
FREE_PREFIXES = frozenset({"local"})

# A dated or versioned snapshot of a priced family: -20241022, -2024-08-06, -002, -latest.
_SNAPSHOT = re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2}|\d{3}|latest)$")


def price_of(model: str) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens for `model` ("openai/gpt-4o" or "gpt-4o"), None if unknown."""
    name = model.partition("/")[2] if "/" in model else model
    name = name.lower()
    if name in PRICES:
        return PRICES[name]
    base = _SNAPSHOT.sub("", name)
    return PRICES.get(base)


def cost(model: str, usage: Usage) -> float | None:
    """USD cost of a call with `usage`; 0.0 for local models, None when the price is unknown."""
    prefix = model.partition("/")[0] if "/" in model else ""
    if prefix in FREE_PREFIXES:
        return 0.0
    price = price_of(model)
    if price is None:
        return None
    per_in, per_out = price
    return (usage.prompt_tokens * per_in + usage.completion_tokens * per_out) / 1_000_000
