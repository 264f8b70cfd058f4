"""What a capable model writes when asked for a configuration, in the shapes real models use.

The servers read the prompt like a model would: the search space it describes (Zhang-style lines
or JSON bounds), the keys it asks for, and whether this is a re-ask. A config is chosen inside
the described space, varied by a hash of the conversation (so a deterministic benchmark does not
see the same config twice), and written in one of the free-text shapes seen from hosted models:
bare JSON, fenced JSON, chatter then `Config: {...}`, a chain-of-thought paragraph then the
config, pretty-printed multi-line JSON, `key: value` lines, a refusal, an empty reply. The last
two only on a first attempt: a re-ask is answered usably, as capable models do, so a campaign
against these servers must end with zero random fallbacks. Constrained requests (schema / JSON
mode) get bare JSON.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

GENERIC = "hello from the test server"
SHAPES = ("bare", "fenced", "chatter", "cot", "pretty", "key-value", "refusal", "empty")
USABLE = SHAPES[:6]
REFUSAL = "I'm sorry, but I can't help with choosing hyperparameters for this request."

_ZHANG = re.compile(r"^([A-Za-z_][\w.-]*), .*?Type: (\w+), (?:Range|Values): (\[.*?\]), Default: .*?(, on log-scale)?$",
                    re.MULTILINE)
_KEYS = re.compile(r"exactly the keys ((?:\"[^\"]+\"(?:, )?)+)")
_NARROW = re.compile(r"mapping each of ((?:\"[^\"]+\"(?:, )?)+) to \[lower, upper\]")


@dataclass(frozen=True)
class Param:
    name: str
    bounds: list[Any]
    log: bool
    integer: bool
    choices: bool  # bounds lists the allowed values


def _literal(text: str) -> list[Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return None
    return value if isinstance(value, list) else None


def space_from_prompt(prompt: str) -> dict[str, Param]:
    """The parameters the prompt describes (Zhang lines, else the JSON-bounds block)."""
    params: dict[str, Param] = {}
    for name, kind, values, log in _ZHANG.findall(prompt):
        bounds = _literal(values)
        if bounds:
            params[name] = Param(name, bounds, bool(log), kind == "UniformInteger",
                                 kind in ("Categorical", "Ordinal"))
    if params:
        return params
    start = prompt.find("{\n")
    end = prompt.find("\n}", start)
    block = json.loads(prompt[start:end + 2]) if start >= 0 and end > start else {}
    logs = _names_after(prompt, "On log-scale:")
    ints = _names_after(prompt, "Integers:")
    grids = _names_after(prompt, "Lists of allowed values (pick one):")
    for name, bounds in block.items():
        params[name] = Param(name, bounds, name in logs, name in ints, name in grids)
    return params


def _names_after(prompt: str, label: str) -> set[str]:
    for line in prompt.splitlines():
        if line.startswith(label):
            return {n.strip() for n in line[len(label):].split(";")[0].rstrip(".").split(",")}
    return set()


def _frac(seed: str, name: str) -> float:
    digest = hashlib.sha256(f"{seed}\0{name}".encode()).digest()
    return 0.05 + 0.9 * int.from_bytes(digest[:8], "big") / 2**64


def choose(params: dict[str, Param], keys: list[str], seed: str) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key in keys:
        p = params.get(key)
        if p is None:
            continue
        f = _frac(seed, key)
        if p.choices:
            config[key] = p.bounds[int(f * len(p.bounds)) % len(p.bounds)]
            continue
        lo, hi = float(p.bounds[0]), float(p.bounds[1])
        value = lo * (hi / lo) ** f if p.log and lo > 0 else lo + (hi - lo) * f
        config[key] = int(round(value)) if p.integer else float(f"{value:.6g}")
    return config


def _keys(pattern: re.Pattern[str], prompt: str) -> list[str] | None:
    found = pattern.findall(prompt)
    return json.loads("[" + found[-1].rstrip(", ") + "]") if found else None


def answer(prompt: str, *, constrained: bool, seed: str, shapes: tuple[str, ...] = SHAPES) -> str:
    """The reply to a conversation whose text is `prompt` (all messages joined)."""
    params = space_from_prompt(prompt)
    narrow = _keys(_NARROW, prompt)
    if narrow:
        ranges = {}
        for name in narrow:
            p = params.get(name)
            if p is not None and not p.choices:
                lo, hi = float(p.bounds[0]), float(p.bounds[1])
                ranges[name] = [lo, lo + (hi - lo) / 2] if not p.log else [lo, math.sqrt(lo * hi)]
        return json.dumps(ranges)
    keys = _keys(_KEYS, prompt)
    if not keys or not params:
        return GENERIC
    config = choose(params, keys, seed)
    if constrained:
        return json.dumps(config)
    reask = prompt.rstrip().splitlines()[-1].startswith(("I could not use your reply", "The configuration "))
    digest = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    pool = ([s for s in shapes if s in USABLE] or list(USABLE)) if reask else list(shapes)
    shape = pool[digest % len(pool)]
    return render(shape, config)


def render(shape: str, config: dict[str, Any]) -> str:
    line = json.dumps(config)
    if shape == "bare":
        return line
    if shape == "fenced":
        return f"```json\n{line}\n```"
    if shape == "chatter":
        return f"Sure! Based on the losses so far, this looks like a promising region to try next.\nConfig: {line}"
    if shape == "cot":
        first = next(iter(config), "the first parameter")
        return (f"The best loss so far came from a moderate value of {first}, and the runs around it did not "
                f"improve, so it is worth moving to a different part of the space while keeping the others "
                f"reasonable. Therefore the next configuration is:\n{line}")
    if shape == "pretty":
        return "Here is my suggestion:\n" + json.dumps(config, indent=2)
    if shape == "key-value":  # models writing lines tend to print integers as floats (the space rounds them)
        return "\n".join(f"{k}: {float(v) if isinstance(v, int) and not isinstance(v, bool) else v}"
                         for k, v in config.items())
    if shape == "refusal":
        return REFUSAL
    if shape == "empty":
        return ""
    raise ValueError(f"unknown shape {shape!r}")
