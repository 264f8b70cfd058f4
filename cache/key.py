"""Canonical JSON and sha256 fingerprints: the one definition of "the same request".

Floats are normalized (so 0.1, 1e-1 and 0.10 hash alike; -0.0 == 0.0), dict keys are sorted,
tuples become lists and strings are UTF-8, so equal content always yields equal keys.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
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


_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def fingerprint_problem(key: str, request: Any, namespace: str) -> str | None:
    """Why an entry stored under `key` does not hold `request` (None when it does, or cannot be told).

    A key that is a fingerprint (64 hex digits) must be the fingerprint of the request stored with it:
    otherwise replaying that request would serve another request's reply, even with a valid checksum.
    Keys that are no fingerprint (hand-made in tests) and entries stored without a request are not
    served for any real request, so there is nothing to compare."""
    if request is None or not isinstance(key, str) or not _HEX64.match(key):
        return None
    try:
        expected = fingerprint(request, namespace=namespace)
    except (UnhashableValue, TypeError, ValueError):
        return "its request has no canonical form"
    if expected != key:
        return f"its fingerprint does not match the request it holds (that request's is {expected[:16]}...)"
    return None
