"""What a campaign schedules: an optimizer entry of the spec, and one run (benchmark x optimizer x seed x budget).

Why apart from the spec's loading (campaign_spec.py): journals, manifests, the scheduler and the
faithfulness record read runs without loading a spec file, so these records import nothing but the
standard library (campaign_spec re-exports them with the loaded spec).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    model: str | None
    options: dict[str, Any]
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model, "options": dict(self.options), "label": self.label}


@dataclass(frozen=True)
class RunSpec:
    """One sequential optimization run; the manifest lists these."""

    run_id: str
    benchmark: str
    optimizer: str  # label
    optimizer_name: str
    model: str | None
    options: dict[str, Any]
    seed: int
    budget: int

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "benchmark": self.benchmark, "optimizer": self.optimizer,
                "optimizer_name": self.optimizer_name, "model": self.model, "options": dict(self.options),
                "seed": self.seed, "budget": self.budget}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunSpec:
        return cls(str(d["run_id"]), str(d["benchmark"]), str(d["optimizer"]), str(d["optimizer_name"]),
                   d.get("model"), dict(d.get("options") or {}), int(d["seed"]), int(d["budget"]))
