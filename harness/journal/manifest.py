"""A campaign's manifest.json: build it, load it, find the campaign directory that holds it.

Why its own module: the manifest is the campaign's identity (spec hash, versions that can change
results, revisions, wall times carried over sessions), read by the report, replay, pack and plan
without opening the journal.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmhpo.harness.errors import UserError

if TYPE_CHECKING:
    from llmhpo.harness.spec.campaign_spec import CampaignSpec, RunSpec

MANIFEST = "manifest.json"
# manifest entries a resume keeps from the previous session (wall times summed over sessions)
CARRIED = ("live_wall_s", "elapsed_s", "phase_s", "sessions")
_PACKAGES = {"numpy": "numpy", "scikit-learn": "scikit-learn", "xgboost": "xgboost", "optuna": "optuna",
             "scikit-optimize": "scikit-optimize", "xllamacpp": "xllamacpp"}


def versions() -> dict[str, str | None]:
    """Versions that can change results, for the manifest."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for key, dist in _PACKAGES.items():
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[key] = None
    if out["xgboost"] is None:
        try:
            out["xgboost"] = metadata.version("xgboost-cpu")
        except metadata.PackageNotFoundError:
            pass
    return out


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def find_campaign_dir(results_dir: Path | str) -> Path:
    """The campaign directory itself, or the one campaign inside an output directory."""
    directory = Path(results_dir).expanduser()
    if not directory.is_dir():
        raise UserError(f"results directory not found: {directory}")
    if (directory / MANIFEST).is_file():
        return directory
    found = sorted(p.parent for p in directory.glob(f"*/{MANIFEST}"))
    if len(found) == 1:
        return found[0]
    if found:
        raise UserError(f"{directory} holds several campaigns ({', '.join(p.name for p in found)}); pass one of them")
    raise UserError(f"no {MANIFEST} in {directory}: not a campaign results directory")


def previous_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest already in a campaign directory (None when there is none or it is unreadable)."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, not UTF-8, not JSON
        return None
    return manifest if isinstance(manifest, dict) else None


def load_manifest(results_dir: Path | str) -> tuple[Path, dict[str, Any]]:
    """(campaign directory, manifest) from a campaign dir or an output dir holding one campaign."""
    directory = find_campaign_dir(results_dir)
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{directory / MANIFEST} is not valid JSON ({exc.msg})") from None
    if not isinstance(manifest, dict):
        raise UserError(f"{directory / MANIFEST} is not a JSON object")
    return directory, manifest


def resumed_manifest(directory: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest to write when (re)opening `directory`: the new one, or, when the directory already
    holds a manifest of the same spec, the new one with the creation time and CARRIED entries kept."""
    path = directory / MANIFEST
    if not path.is_file():
        return manifest
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{path} is not valid JSON ({exc.msg})") from None
    if old.get("spec_hash") != manifest["spec_hash"]:
        raise UserError(
            f"{directory} holds results of a different spec (spec hash {str(old.get('spec_hash'))[:12]} != "
            f"{manifest['spec_hash'][:12]}); resume only with the same spec, or pass a new --out"
        )
    return {**manifest, "created_at": old.get("created_at", manifest["created_at"]),
            **{k: old.get(k) for k in CARRIED if k in old or k in ("live_wall_s", "elapsed_s")}}


def build_manifest(spec: CampaignSpec, runs: list[RunSpec], cache_path: str, mode: str,
                   revisions: dict[str, str]) -> dict[str, Any]:
    """The manifest of a campaign (format shared with `llmhpo report`); `revisions`: what it runs with."""
    from llmhpo.cache.store import llmhpo_version
    from llmhpo.harness.optimizers.templates import template_hashes

    return {
        "campaign": spec.name, "spec": spec.to_dict(), "spec_hash": spec.spec_hash,
        "llmhpo_version": llmhpo_version(), "versions": versions(), "template_hashes": template_hashes(revisions["prompts"]),
        "cache": {"path": cache_path, "mode": mode}, "created_at": now_iso(),
        "runs": [r.to_dict() for r in runs], "live_wall_s": None, "revisions": dict(revisions),
        **({"shrink": spec.shrink} if spec.shrink else {}),
    }
