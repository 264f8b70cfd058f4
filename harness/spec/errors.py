"""Campaign-spec problems as one line each, every line starting with where the problem is.

Why here: pydantic reports a location as a tuple (`("optimizers", 1, "options")`); a user edits a
TOML file, so a problem reads `optimizers[2].options: ...` (tables counted from 1, as they appear
in the file), `model_settings."openai/gpt-4o".api_base: ...` or `spec: unknown key 'budgte' (did you
mean 'budget'?)`. Checks written for the spec raise `invalid(text)`: their text is shown as written.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from llmhpo.harness.errors import suggest

SPEC_CHECK = "llmhpo_spec"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUOTED = re.compile(r"'([^']*)'")


def invalid(text: str) -> PydanticCustomError:
    """A spec check's refusal, shown exactly as `text` (braces in it are safe)."""
    return PydanticCustomError(SPEC_CHECK, "{text}", {"text": text})


def where(loc: Sequence[int | str]) -> str:
    """`optimizers[2].options`, `model_settings."openai/gpt-4o".api_base`; 'spec' for the whole document."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}" if out else part
        else:
            out += f'."{part}"' if out else f'"{part}"'
    return out or "spec"


def problems_of(error: ValidationError, root: type[BaseModel]) -> list[str]:
    """One line per error of a validation against `root`, located, with did-you-mean hints."""
    lines = []
    for e in error.errors(include_url=False):
        loc = tuple(p for p in e["loc"] if p != "[key]")  # a bad dict key is reported at the key
        kind, got = e["type"], e.get("input")
        if kind == SPEC_CHECK:
            lines.append(f"{where(loc)}: {e['msg']}")
        elif kind == "extra_forbidden":
            allowed = _fields_at(root, loc[:-1])
            key = str(loc[-1])
            lines.append(f"{where(loc[:-1])}: unknown key {key!r}{suggest(key, allowed)}; allowed: {', '.join(allowed)}")
        elif kind in ("model_type", "dict_type"):  # not pydantic's class names: what the file needs
            fields = _fields_at(root, loc)
            table = "a table" + (f" with {', '.join(fields)}" if fields else "")
            lines.append(f"{where(loc)}: expected {table}{_shown(got)}")
        elif kind == "missing":
            lines.append(f"{where(loc)}: required")
        elif kind == "enum":
            choices = _QUOTED.findall(str((e.get("ctx") or {}).get("expected", "")))
            lines.append(f"{where(loc)}: expected one of {', '.join(choices)} (got {got!r}){suggest(str(got), choices)}")
        else:
            lines.append(f"{where(loc)}: {e['msg']}{_shown(got)}")
    return lines


def _shown(got: Any) -> str:
    """The offending value, when it is a short scalar (a long or nested one would drown the message)."""
    return f" (got {got!r})" if isinstance(got, str | int | float | bool) and len(repr(got)) <= 80 else ""


def _fields_at(root: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys the table at `loc` accepts (for did-you-mean on an unknown key)."""
    kind: Any = root
    for part in loc:
        kind = _bare(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel) and isinstance(part, str):
            kind = kind.model_fields[part].annotation if part in kind.model_fields else None
        else:  # a list item or a dict value
            args = typing.get_args(kind)
            kind = args[-1] if args else None
    kind = _bare(kind)
    return list(kind.model_fields) if isinstance(kind, type) and issubclass(kind, BaseModel) else []


def _bare(kind: Any) -> Any:
    """`kind` without Annotated[...] and without `| None`."""
    while True:
        if typing.get_origin(kind) is typing.Annotated:
            kind = typing.get_args(kind)[0]
            continue
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if typing.get_origin(kind) in (typing.Union, types.UnionType) and len(args) == 1:
            kind = args[0]
            continue
        return kind
