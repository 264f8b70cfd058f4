"""What every parameter type shares: the Zhang et al. prompt line and the manifest form.

A type (ranges.py, choices.py) provides the rest of the contract, `METHODS`; `ranged` says whether
it has numeric [lo, hi] bounds (Float, Int) or is a list of values (Categorical, Ordinal).
"""

from __future__ import annotations

from typing import Any

from llmhpo.harness.values import format_value

METHODS = (
    "sample", "from_unit", "nudge", "position", "check", "repair", "as_valid", "canonical", "encode", "decode",
    "cardinality", "prompt_value", "shown", "plot_axis", "type_name", "range_text", "type_fields", "json_bounds",
    "json_schema", "to_skopt", "to_optuna", "to_configspace", "from_dict", "from_configspace_json",
)  # what a parameter type implements (tests/harness/test_params.py checks every type in KINDS)


class Parameter:
    """What every type shares: the Zhang et al. prompt line and the manifest form."""

    name: str
    default: Any
    meaning: str
    log: bool
    kind: str

    def zhang_line(self) -> str:
        """One prompt line (Zhang et al. B.1): name, meaning, type, range, default, log scale."""
        head = f"{self.name}, {self.meaning.rstrip('. ')}." if self.meaning else f"{self.name},"
        line = f"{head} Type: {self.type_name()}, {self.range_text()}, Default: {format_value(self.default)}"
        return line + (", on log-scale" if self.log else "")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for manifests (`from_dict` of the class in KINDS[d["type"]] inverts it)."""
        return {"type": self.kind, "name": self.name, "default": self.default, "meaning": self.meaning, **self.type_fields()}

    def type_name(self) -> str:
        raise NotImplementedError

    def range_text(self) -> str:
        raise NotImplementedError

    def type_fields(self) -> dict[str, Any]:
        raise NotImplementedError
