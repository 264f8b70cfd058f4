"""What each model served by the test servers accepts, as the real APIs enforce it.

The servers' truth is written here independently of litellm's model map (which the gateway
reads), so a gateway that trusted a wrong map, or guessed, is refused like the real API refuses
it. Entries are the models the example specs and tests use, as the providers served them when
the papers ran (OpenAI: json_schema only on gpt-4o-2024-08-06 and later, json_object from the
1106 models on, images on gpt-4-turbo / gpt-4o; Claude 3+ reads images, Claude 2 does not;
Gemini 1.5+ takes responseSchema, Gemini 1.0 neither schema nor images).

`test-model`, `smol-test`, `my-local-finetune`, `Qwen/Qwen2.5-7B-Instruct`, `my-model` stand for
self-hosted OpenAI-compatible servers (vLLM serving a vision model with guided decoding): they
accept everything, as such a server does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServedModel:
    images: bool = False
    json_schema: bool = False  # OpenAI response_format json_schema / Gemini responseSchema / Claude output_format
    json_object: bool = False  # OpenAI response_format json_object / Gemini responseMimeType application/json
    context: int = 128_000


FULL = ServedModel(images=True, json_schema=True, json_object=True)

OPENAI: dict[str, ServedModel] = {
    "gpt-4o": FULL,
    "gpt-4o-2024-08-06": FULL,
    "gpt-4o-mini": FULL,
    "gpt-4-turbo": ServedModel(images=True, json_object=True),
    "gpt-4-turbo-2024-04-09": ServedModel(images=True, json_object=True),
    "gpt-4-1106-preview": ServedModel(json_object=True),
    "gpt-4-0125-preview": ServedModel(json_object=True),
    "gpt-4-0613": ServedModel(context=8_192),
    "gpt-4": ServedModel(context=8_192),
    "gpt-3.5-turbo-0613": ServedModel(context=4_096),
    "gpt-3.5-turbo": ServedModel(json_object=True, context=16_385),
    "gpt-3.5-turbo-1106": ServedModel(json_object=True, context=16_385),
    # self-hosted OpenAI-compatible servers
    "test-model": FULL,
    "smol-test": FULL,
    "my-local-finetune": FULL,
    "x": FULL,
    "Qwen/Qwen2.5-7B-Instruct": FULL,
    "my-model": FULL,
}

ANTHROPIC: dict[str, ServedModel] = {
    "claude-3-5-sonnet-20240620": ServedModel(images=True, context=200_000),
    "claude-3-5-sonnet-20241022": ServedModel(images=True, context=200_000),
    "claude-3-5-sonnet-latest": ServedModel(images=True, context=200_000),
    "claude-3-5-haiku-latest": ServedModel(context=200_000),
    "claude-3-haiku-20240307": ServedModel(images=True, context=200_000),
    "claude-sonnet-4-20250514": ServedModel(images=True, context=200_000),
    "claude-sonnet-4-5": ServedModel(images=True, json_schema=True, context=200_000),
    "claude-2.1": ServedModel(context=200_000),
}

GEMINI: dict[str, ServedModel] = {
    "gemini-1.5-flash": ServedModel(images=True, json_schema=True, json_object=True, context=1_048_576),
    "gemini-1.5-pro-002": ServedModel(images=True, json_schema=True, json_object=True, context=2_097_152),
    "gemini-2.0-flash": ServedModel(images=True, json_schema=True, json_object=True, context=1_048_576),
    "gemini-2.5-flash": ServedModel(images=True, json_schema=True, json_object=True, context=1_048_576),
    "gemini-1.0-pro": ServedModel(context=30_720),
}


def approx_tokens(text: str) -> int:
    """~4 characters per token, the usual rule of thumb for English text and JSON."""
    return len(text) // 4 + 1
