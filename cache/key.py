"""Canonical JSON and sha256 fingerprints: the one definition of "the same request".

Floats are normalized (so 0.1, 1e-1 and 0.10 hash alike; -0.0 == 0.0), dict keys are sorted,
tuples become lists and strings are UTF-8, so equal content always yields equal keys.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

KEY_VERSION = 1


class UnhashableValue(TypeError):
    """A value that has no canonical JSON form (NaN, bytes, arbitrary objects)."""


def normalize(obj: Any) -> Any:
    """Return a JSON-ready structure with canonical floats; raise UnhashableValue otherwise."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise UnhashableValue(f"non-finite float {obj!r} has no canonical form")
        if obj == 0.0:
            return 0.0
        if obj.is_integer() and abs(obj) < 2**53:
            return float(int(obj))
        return float(repr(float(obj)))  # float() first: numpy.float64 is a float whose repr is "np.float64(...)"
    if hasattr(obj, "item") and callable(obj.item) and type(obj).__module__ == "numpy":
        return normalize(obj.item())
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise UnhashableValue(f"dict key {k!r} is not a string")
            out[k] = normalize(v)
        return out
    if isinstance(obj, list | tuple):
        return [normalize(v) for v in obj]
    raise UnhashableValue(f"{type(obj).__name__} has no canonical JSON form")


def canonical_json(obj: Any) -> str:
    """Sorted-key, compact, UTF-8 JSON of `obj` after `normalize`."""
    return json.dumps(normalize(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def fingerprint(obj: Any, *, namespace: str = "llm") -> str:
    """sha256 hex of the canonical JSON of `obj`, salted with the key version and a namespace."""
    payload = canonical_json({"v": KEY_VERSION, "ns": namespace, "body": obj})
    # surrogatepass: a Python str may hold a lone surrogate (not valid UTF-8); it still gets its own key
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()
