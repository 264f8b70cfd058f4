"""Turn an LLM reply into a configuration dict, tolerating what real models actually write.

Small and hosted models alike wrap JSON in fences or prose, use single quotes or trailing commas,
quote numbers, answer with "Analysis: ... / Config: ..." or with plain `key: value` lines. This
module only *extracts* a dict; the search space then repairs it (clip, round, snap, defaults), so
the two concerns stay testable apart. Nothing here evaluates code: `ast.literal_eval` only.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmhpo.harness.errors import InvalidConfig
from llmhpo.harness.space import SearchSpace

_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_CONFIG_LINE = re.compile(r"config\s*[:=]", re.IGNORECASE)
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_VALUE = r"""("[^"\n]*"|'[^'\n]*'|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[A-Za-z_][\w.-]*)"""


@dataclass
class ParseResult:
    """What parsing produced: `config` is None when nothing usable was found (caller re-asks)."""

    config: dict[str, Any] | None
    extracted: dict[str, Any] | None = None
    method: str | None = None
    repairs: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "extracted": self.extracted,
            "method": self.method,
            "repairs": list(self.repairs),
            "error": self.error,
        }


def balanced_objects(text: str) -> list[str]:
    """Every top-level `{...}` span, braces inside strings ignored (in order of appearance)."""
    spans: list[str] = []
    depth, start, quote, escaped = 0, -1, "", False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'" and depth > 0:
            quote = ch
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start : i + 1])
    return spans


def loads_lenient(blob: str) -> Any:
    """Parse JSON, else a Python-literal reading of it (single quotes, trailing commas, True/None).

    Returns None when neither reading works.
    """
    blob = blob.strip().translate(_SMART_QUOTES)
    try:
        return json.loads(blob)
    except ValueError:
        pass
    pythonish = re.sub(r"\btrue\b", "True", blob)
    pythonish = re.sub(r"\bfalse\b", "False", pythonish)
    pythonish = re.sub(r"\bnull\b", "None", pythonish)
    for candidate in (pythonish, _quote_bare_keys(pythonish)):
        try:
            return ast.literal_eval(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return None


def _quote_bare_keys(blob: str) -> str:
    """{C: 1, gamma: 2} -> {'C': 1, 'gamma': 2} (some models drop key quotes)."""
    return re.sub(r"([{,]\s*)([A-Za-z_][\w.-]*)\s*:", r"\1'\2':", blob)


def _as_config(obj: Any, names: Sequence[str]) -> dict[str, Any] | None:
    """A dict that names at least one parameter; unwraps {"config": {...}}-style nesting."""
    if not isinstance(obj, dict):
        return None
    keys = {k.lower() for k in names}
    if any(isinstance(k, str) and k.lower() in keys for k in obj):
        return obj
    for v in obj.values():
        inner = _as_config(v, names)
        if inner is not None:
            return inner
    return None


def _first_config(blobs: Iterable[str], names: Sequence[str]) -> dict[str, Any] | None:
    for blob in blobs:
        cfg = _as_config(loads_lenient(blob), names)
        if cfg is not None:
            return cfg
    return None


def _key_values(text: str, names: Sequence[str]) -> dict[str, Any] | None:
    """`name: value` / `name = value` lines for known parameter names (last mention wins)."""
    found: dict[str, Any] = {}
    for name in names:
        pattern = re.compile(rf"""(?<![\w-])["']?{re.escape(name)}["']?\s*[:=]\s*{_VALUE}""", re.IGNORECASE)
        matches = pattern.findall(text)
        if matches:
            raw = matches[-1]
            if raw[:1] in "\"'":
                found[name] = raw[1:-1]
            else:
                lit = loads_lenient(raw)
                found[name] = raw if lit is None else lit
    return found or None


def extract(text: str, names: Sequence[str]) -> tuple[dict[str, Any] | None, str | None]:
    """The configuration dict a reply contains and how it was found ("cot", "fence", "object",
    "key-value"), or (None, None)."""
    if not text or not text.strip():
        return None, None
    text = text.translate(_SMART_QUOTES)
    cot = list(_CONFIG_LINE.finditer(text))
    if cot:
        tail = text[cot[-1].end() :]
        cfg = _first_config(_FENCE.findall(tail) + balanced_objects(tail), names)
        if cfg is not None:
            return cfg, "cot"
    cfg = _first_config(_FENCE.findall(text), names)
    if cfg is not None:
        return cfg, "fence"
    cfg = _first_config(balanced_objects(text), names)
    if cfg is not None:
        return cfg, "object"
    kv = _key_values(text, names)
    if kv is not None:
        return kv, "key-value"
    return None, None


def _match_keys(cfg: dict[str, Any], names: Sequence[str], repairs: list[str]) -> dict[str, Any]:
    """Map keys that differ only by case (or stray whitespace) onto parameter names."""
    by_lower = {n.lower(): n for n in names}
    out: dict[str, Any] = {}
    for k, v in cfg.items():
        key = str(k).strip()
        if key not in names and key.lower() in by_lower:
            repairs.append(f"{key}: key matched parameter {by_lower[key.lower()]!r}")
            key = by_lower[key.lower()]
        out[key] = v
    return out


def parse_reply(text: str, space: SearchSpace) -> ParseResult:
    """Extract a config from `text` and repair it into `space` (every change recorded)."""
    extracted, method = extract(text, space.names)
    if extracted is None:
        return ParseResult(None, error="no configuration found in the reply")
    repairs: list[str] = []
    matched = _match_keys(extracted, space.names, repairs)
    try:
        config, more = space.repair(matched)
    except InvalidConfig as exc:  # only for non-dicts, which extract never returns; kept for safety
        return ParseResult(None, extracted=extracted, method=method, error=str(exc))
    return ParseResult(config, extracted=_jsonable(extracted), method=method, repairs=repairs + more)


def _jsonable(obj: Any) -> Any:
    """Literal-eval output may hold tuples, sets or NaN; keep the transcript strict JSON."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and obj != obj or obj in (float("inf"), float("-inf")):
        return repr(obj)
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    return repr(obj)
