"""The output protocol of the LLM optimizers: how a proposal is asked for and read back.

- `text`: free text, parsed (harness.optimizers.parse). What Zhang et al. and mm-llm-hpo did, so
  the default for hosted models: a comparison with the papers must use their protocol.
- `json`: the provider's JSON mode (any JSON object), then parsed the same way.
- `schema`: constrained decoding to the space's JSON schema. The default for the embedded local
  models, where a grammar is what makes a 135M model produce a config at all.

A protocol the model lacks (per gateway.capabilities) is a spec error before anything runs; a
chain-of-thought prompt needs free text (its "Analysis:" line cannot fit a config schema).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from llmhpo.gateway.capabilities import Capabilities
from llmhpo.harness.errors import UserError

Output = Literal["text", "json", "schema"]
PROTOCOLS: tuple[str, ...] = get_args(Output)
LOCAL_PREFIX = "local/"


def default_for(model: str, *, cot: bool) -> str:
    return "schema" if model.startswith(LOCAL_PREFIX) and not cot else "text"


def resolve(output: str | None, model: str, caps: Capabilities, *, cot: bool) -> str:
    """The protocol an optimizer uses on `model`; UserError when the model cannot do it."""
    if output is None:
        return default_for(model, cot=cot)
    if output not in PROTOCOLS:
        raise UserError(f"unknown output protocol {output!r}; choose one of: {', '.join(PROTOCOLS)}")
    if output == "schema" and cot:
        raise UserError("output = \"schema\" cannot carry a chain of thought (cot = true): use output = \"text\"")
    lacks = {"schema": not caps.response_schema, "json": not caps.json_mode}.get(output, False)
    if lacks:
        what = "structured output (a response schema)" if output == "schema" else "JSON mode"
        raise UserError(
            f"output = {output!r} needs {what}, which model {model} does not support according to {caps.source}; "
            f"use output = \"text\" (the papers' protocol), or declare the capability in "
            f"[model_settings.\"{model}\"].capabilities if the model does support it"
        )
    return output


def request_extra(output: str) -> dict[str, Any]:
    """Request.extra for the protocol (the schema itself travels in Request.response_schema)."""
    return {"response_format": {"type": "json_object"}} if output == "json" else {}

