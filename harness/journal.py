"""The campaign journal: manifest.json + append-only trials.jsonl + transcripts/<run_id>.jsonl.

Why append-only, one fsynced line per finished trial: a campaign may be killed (-9) at any moment,
and the journal is what resume trusts. A line is either fully on disk or it is the torn last line,
which `open` detects, reports and cuts off before anything new is appended. Transcript lines are
written before their trial line; a transcript line whose trial never made it is dropped on open,
so a resumed run writes it again exactly once.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from llmhpo.cache.atomic import write_text_atomic
from llmhpo.harness.errors import UserError

MANIFEST = "manifest.json"
TRIALS = "trials.jsonl"
TRANSCRIPTS = "transcripts"
BASELINE = "baseline.jsonl"
STOPPED = "stopped.jsonl"  # runs an optimizer ended before their budget (patience): they are complete
FAILURES = "failures.jsonl"  # runs a provider refused (harness.fidelity summarizes them); a resume retries them
_PACKAGES = {"numpy": "numpy", "scikit-learn": "scikit-learn", "xgboost": "xgboost", "optuna": "optuna",
             "scikit-optimize": "scikit-optimize", "xllamacpp": "xllamacpp"}


@dataclass(frozen=True)
class Trial:
    """One finished trial: a line of trials.jsonl, written by the campaign and read by resume, replay
    and the report. Field order is the on-disk key order; `llm` is the usage summary of the proposal's
    transcript (harness.usage) and `parse` its parse record, both None for classical proposals."""

    run_id: str
    index: int
    benchmark: str
    optimizer: str
    optimizer_name: str
    model: str | None
    seed: int
    budget: int
    config: dict[str, Any]
    loss: float | None
    test_loss: float | None
    status: str = "ok"
    error: str | None = None
    eval_cost_s: float = 0.0
    eval_cache_hit: bool = False
    wall_s: float = 0.0
    source: str = ""
    parse: dict[str, Any] | None = None
    llm: dict[str, Any] | None = None
    transcript_ref: str | None = None
    provenance: str | None = None  # harness.provenance.Provenance of an LLM trial; None in older rows

    REQUIRED = ("run_id", "index", "benchmark", "optimizer", "loss")

    def to_row(self) -> dict[str, Any]:
        """The trials.jsonl line (a JSON object, keys in field order; no `provenance` key when None, so
        classical trials and re-written old rows keep their bytes)."""
        row = asdict(self)
        return row if row["provenance"] is not None else {k: v for k, v in row.items() if k != "provenance"}

    @classmethod
    def from_row(cls, row: dict[str, Any], where: Any = TRIALS) -> Trial:
        """A journaled line, new or old (older journals lack optional fields: their defaults apply);
        UserError naming `where` when a required field is missing."""
        missing = [k for k in cls.REQUIRED if k not in row]
        if missing:
            raise UserError(f"{where}: trial {row.get('run_id')}#{row.get('index')} lacks {', '.join(missing)}")
        known = {f.name for f in fields(cls)}
        get = row.get
        return cls(**{**{k: v for k, v in row.items() if k in known},
                      "run_id": str(row["run_id"]), "index": int(row["index"]), "benchmark": str(row["benchmark"]),
                      "optimizer": str(row["optimizer"]), "optimizer_name": str(get("optimizer_name") or row["optimizer"]),
                      "model": get("model"), "seed": int(get("seed", 0)), "budget": int(get("budget", 0)),
                      "config": get("config") or {}, "loss": _float(row["loss"]), "test_loss": _float(get("test_loss")),
                      "status": str(get("status") or "ok"), "eval_cost_s": float(get("eval_cost_s") or 0.0),
                      "eval_cache_hit": bool(get("eval_cache_hit", False)), "wall_s": float(get("wall_s") or 0.0),
                      "source": str(get("source") or "")})

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def read_trials(directory: Path, notes: list[str] | None = None) -> list[Trial]:
    """The journaled trials in file order (read only; a torn last line is skipped, with a note)."""
    path = directory / TRIALS
    return [Trial.from_row(row, path) for row in read_rows(path, notes)]


def read_rows(path: Path, notes: list[str] | None = None) -> list[dict[str, Any]]:
    """The rows of a journal file, read only; a torn last line (kill -9 mid-write) is skipped with a note."""
    rows, torn = read_jsonl(path)
    if torn and notes is not None:
        notes.append(f"{path.name}: skipped a truncated last line")
    return rows


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


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write-then-rename, so a kill never leaves a half-written manifest."""
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def jsonl_line(row: dict[str, Any]) -> str:
    """One journal line: compact JSON, NaN refused (a journal holds only finite numbers)."""
    return json.dumps(row, separators=(",", ":"), allow_nan=False) + "\n"


def read_jsonl(path: Path, *, repair: bool = False) -> tuple[list[dict[str, Any]], bool]:
    """Rows of a JSONL file and whether a torn last line was found (and cut off when `repair`)."""
    if not path.is_file():
        return [], False
    data = path.read_bytes()
    rows: list[dict[str, Any]] = []
    good_end = 0
    torn = False
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        line = data[pos:] if end < 0 else data[pos:end]
        nxt = len(data) if end < 0 else end + 1
        try:
            row = json.loads(line) if line.strip() else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            row = None
            if nxt < len(data):
                number = data[:pos].count(b"\n") + 1
                raise UserError(f"{path}: line {number} is corrupt (line {number} is not valid JSON, and it is not the last line)") from None
            torn = True
            break
        if end < 0 and row is not None:
            torn = True  # complete JSON but no newline: the write was cut before "\n"
            break
        if row is not None:
            if not isinstance(row, dict):
                number = data[:pos].count(b"\n") + 1
                raise UserError(f"{path}: line {number} is not a JSON object")
            rows.append(row)
        good_end = nxt
        pos = nxt
    if torn and repair:
        with path.open("r+b") as fh:
            fh.truncate(good_end)
            fh.flush()
            os.fsync(fh.fileno())
    return rows, torn


class _Appender:
    """One open append-mode file; each line flushed and fsynced before `write` returns."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("a", encoding="utf-8")

    def write(self, obj: dict[str, Any]) -> None:
        self.fh.write(jsonl_line(obj))
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        self.fh.close()


@dataclass
class Journal:
    """An open campaign directory. Use `Journal.open(...)`; `finished[run_id]` = trials by index."""

    directory: Path
    manifest: dict[str, Any]
    finished: dict[str, dict[int, Trial]] = field(default_factory=dict)
    transcripts: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)  # of the finished trials
    stopped: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _trials: _Appender | None = None
    _transcripts: dict[str, _Appender] = field(default_factory=dict)
    _baseline: _Appender | None = None

    @classmethod
    def open(cls, directory: Path, manifest: dict[str, Any]) -> Journal:
        """Create the campaign directory, or reopen it for resume when the spec hash matches."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / TRANSCRIPTS).mkdir(exist_ok=True)
        path = directory / MANIFEST
        if path.is_file():
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise UserError(f"{path} is not valid JSON ({exc.msg})") from None
            if old.get("spec_hash") != manifest["spec_hash"]:
                raise UserError(
                    f"{directory} holds results of a different spec (spec hash {str(old.get('spec_hash'))[:12]} != "
                    f"{manifest['spec_hash'][:12]}); resume only with the same spec, or pass a new --out"
                )
            manifest = {**manifest, "created_at": old.get("created_at", manifest["created_at"]),
                        **{k: old.get(k) for k in CARRIED if k in old or k in ("live_wall_s", "elapsed_s")}}
        write_json_atomic(path, manifest)
        journal = cls(directory, manifest)
        journal._load()
        journal._trials = _Appender(directory / TRIALS)
        return journal

    def _load(self) -> None:
        rows, torn = read_jsonl(self.directory / TRIALS, repair=True)
        if torn:
            self.notes.append(f"{TRIALS}: dropped a torn last line (the previous run was killed mid-write)")
        for row in rows:
            trial = Trial.from_row(row, self.directory / TRIALS)
            by_index = self.finished.setdefault(trial.run_id, {})
            if trial.index in by_index:
                self.notes.append(f"{TRIALS}: ignored a duplicated trial {trial.run_id}#{trial.index}")
                continue
            by_index[trial.index] = trial
        self._clean_transcripts()
        self.stopped = read_stopped(self.directory, repair=True)

    def _clean_transcripts(self) -> None:
        """Keep exactly one transcript line per journaled trial (drop torn and orphaned lines)."""
        for path in sorted((self.directory / TRANSCRIPTS).glob("*.jsonl")):
            rows, torn = read_jsonl(path, repair=True)
            done = self.finished.get(path.stem, {})
            keep: dict[int, dict[str, Any]] = {}
            for row in rows:
                index = int(row.get("index", -1))
                if index in done and index not in keep:
                    keep[index] = row
            if torn or len(keep) != len(rows):
                write_jsonl_atomic(path, (keep[i] for i in sorted(keep)))
            self.transcripts[path.stem] = {i: row.get("transcript") or {} for i, row in keep.items()}

    def append(self, trial: Trial, transcript: dict[str, Any] | None) -> None:
        """Journal one finished trial (transcript first, so a trial line never points at nothing)."""
        run_id = trial.run_id
        if transcript is not None:
            appender = self._transcripts.get(run_id)
            if appender is None:
                appender = self._transcripts[run_id] = _Appender(self.directory / TRANSCRIPTS / f"{run_id}.jsonl")
            appender.write({"run_id": run_id, "index": trial.index, "transcript": transcript})
        assert self._trials is not None
        self._trials.write(trial.to_row())
        self.finished.setdefault(run_id, {})[trial.index] = trial

    def append_failure(self, record: dict[str, Any]) -> None:
        """Journal a run the provider refused (harness.fidelity reads them; a resume retries the run)."""
        appender = _Appender(self.directory / FAILURES)
        try:
            appender.write({**record, "at": now_iso()})
        finally:
            appender.close()

    def mark_stopped(self, run_id: str, after: int, reason: str) -> None:
        """Record that a run ended early by its optimizer's choice: complete, not unfinished."""
        if run_id in self.stopped:
            return
        row = {"run_id": run_id, "after": int(after), "reason": reason}
        appender = _Appender(self.directory / STOPPED)
        try:
            appender.write(row)
        finally:
            appender.close()
        self.stopped[run_id] = row

    def baseline_rows(self) -> list[dict[str, Any]]:
        """The random-sample baseline so far (a torn last line is cut off, like the trials')."""
        rows, torn = read_jsonl(self.directory / BASELINE, repair=True)
        if torn:
            self.notes.append(f"{BASELINE}: dropped a torn last line (the previous run was killed mid-write)")
        return rows

    def append_baseline(self, row: dict[str, Any]) -> None:
        """Append one baseline sample (append-only, like trials: a rerun never removes a row)."""
        if self._baseline is None:
            self._baseline = _Appender(self.directory / BASELINE)
        self._baseline.write(row)

    def set_manifest(self, **updates: Any) -> None:
        self.manifest.update(updates)
        write_json_atomic(self.directory / MANIFEST, self.manifest)

    def close(self) -> None:
        if self._trials is not None:
            self._trials.close()
            self._trials = None
        if self._baseline is not None:
            self._baseline.close()
            self._baseline = None
        for appender in self._transcripts.values():
            appender.close()
        self._transcripts.clear()


def read_stopped(directory: Path, *, repair: bool = False) -> dict[str, dict[str, Any]]:
    """Early-stopped runs by run_id (first record wins; a torn last line is ignored)."""
    rows, _ = read_jsonl(directory / STOPPED, repair=repair)
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        out.setdefault(str(row["run_id"]), row)
    return out


def write_jsonl_atomic(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    write_text_atomic(path, "".join(jsonl_line(row) for row in rows))


def read_transcripts(directory: Path) -> dict[str, dict[int, dict[str, Any]]]:
    """Journaled transcripts by run id and trial index (read only; the first line of an index wins)."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for path in sorted((directory / TRANSCRIPTS).glob("*.jsonl")):
        rows, _ = read_jsonl(path)
        by_index = out.setdefault(path.stem, {})
        for row in rows:
            by_index.setdefault(int(row.get("index", -1)), row.get("transcript") or {})
    return out


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
    except (OSError, json.JSONDecodeError):
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


# manifest entries a resume keeps from the previous session (wall times summed over sessions)
CARRIED = ("live_wall_s", "elapsed_s", "phase_s", "sessions")


def build_manifest(spec: Any, runs: list[Any], cache_path: str, mode: str,
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
