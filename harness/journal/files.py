"""The campaign journal: append-only trials.jsonl + transcripts/<run_id>.jsonl, and the stopped,
failures and baseline files beside them (manifest.json: harness.journal.manifest; the record: harness.journal.trial;
line I/O: harness.journal.jsonl).

Why append-only, one fsynced line per finished trial: the journal is what resume trusts; `open`
detects a torn last line, reports it and cuts it off before anything new is appended. Transcript
lines are written before their trial line; a transcript line whose trial never made it is dropped on
open, so a resumed run writes it again exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmhpo.harness.journal.jsonl import (
    Appender,
    append_one,
    read_jsonl,
    read_rows,
    write_json_atomic,
    write_jsonl_atomic,
)
from llmhpo.harness.journal.manifest import MANIFEST, now_iso, resumed_manifest
from llmhpo.harness.journal.trial import Trial, first_wins

TRIALS = "trials.jsonl"
TRANSCRIPTS = "transcripts"
BASELINE = "baseline.jsonl"
STOPPED = "stopped.jsonl"  # runs an optimizer ended before their budget (patience): they are complete
FAILURES = "failures.jsonl"  # runs a provider refused (harness.faithfulness summarizes them); a resume retries them


def trial_key(trial: Trial) -> tuple[str, int]:
    """A trial's identity in the journal (a repeated one is a duplicate line: the first wins)."""
    return trial.run_id, trial.index


def read_trials(directory: Path, notes: list[str] | None = None) -> list[Trial]:
    """The journaled trials in file order (read only; a torn last line is skipped, with a note)."""
    path = directory / TRIALS
    return [Trial.from_row(row, path) for row in read_rows(path, notes)]


@dataclass
class Journal:
    """An open campaign directory. Use `Journal.open(...)`; `finished[run_id]` = trials by index."""

    directory: Path
    manifest: dict[str, Any]
    finished: dict[str, dict[int, Trial]] = field(default_factory=dict)
    transcripts: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)  # of the finished trials
    stopped: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _trials: Appender | None = None
    _transcripts: dict[str, Appender] = field(default_factory=dict)
    _baseline: Appender | None = None

    @classmethod
    def open(cls, directory: Path, manifest: dict[str, Any]) -> Journal:
        """Create the campaign directory, or reopen it for resume when the spec hash matches."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / TRANSCRIPTS).mkdir(exist_ok=True)
        manifest = resumed_manifest(directory, manifest)
        write_json_atomic(directory / MANIFEST, manifest)
        journal = cls(directory, manifest)
        journal._load()
        journal._trials = Appender(directory / TRIALS)
        return journal

    def _load(self) -> None:
        rows, torn = read_jsonl(self.directory / TRIALS, repair=True)
        if torn:
            self.notes.append(f"{TRIALS}: dropped a torn last line (the previous run was killed mid-write)")
        kept, duplicates = first_wins((Trial.from_row(row, self.directory / TRIALS) for row in rows), trial_key)
        for trial in kept:
            self.finished.setdefault(trial.run_id, {})[trial.index] = trial
        self.notes.extend(f"{TRIALS}: ignored a duplicated trial {t.run_id}#{t.index}" for t in duplicates)
        self._clean_transcripts()
        self.stopped = read_stopped(self.directory, repair=True)

    def _clean_transcripts(self) -> None:
        """Keep exactly one transcript line per journaled trial (drop torn and orphaned lines)."""
        for path in sorted((self.directory / TRANSCRIPTS).glob("*.jsonl")):
            rows, torn = read_jsonl(path, repair=True)
            done = self.finished.get(path.stem, {})
            keep, _ = first_wins((row for row in rows if _index(row) in done), _index)
            if torn or len(keep) != len(rows):
                write_jsonl_atomic(path, sorted(keep, key=_index))
            self.transcripts[path.stem] = {_index(row): row.get("transcript") or {} for row in keep}

    def append(self, trial: Trial, transcript: dict[str, Any] | None) -> None:
        """Journal one finished trial (transcript first, so a trial line never points at nothing)."""
        run_id = trial.run_id
        if transcript is not None:
            appender = self._transcripts.get(run_id)
            if appender is None:
                appender = self._transcripts[run_id] = Appender(self.directory / TRANSCRIPTS / f"{run_id}.jsonl")
            appender.write({"run_id": run_id, "index": trial.index, "transcript": transcript})
        assert self._trials is not None
        self._trials.write(trial.to_row())
        self.finished.setdefault(run_id, {})[trial.index] = trial

    def append_failure(self, record: dict[str, Any]) -> None:
        """Journal a run the provider refused (harness.faithfulness reads them; a resume retries the run)."""
        append_one(self.directory / FAILURES, {**record, "at": now_iso()})

    def mark_stopped(self, run_id: str, after: int, reason: str) -> None:
        """Record that a run ended early by its optimizer's choice: complete, not unfinished."""
        if run_id in self.stopped:
            return
        row = {"run_id": run_id, "after": int(after), "reason": reason}
        append_one(self.directory / STOPPED, row)
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
            self._baseline = Appender(self.directory / BASELINE)
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


def _index(row: dict[str, Any]) -> int:
    return int(row.get("index", -1))


def read_stopped(directory: Path, *, repair: bool = False) -> dict[str, dict[str, Any]]:
    """Early-stopped runs by run_id (first record wins; a torn last line is ignored)."""
    rows, _ = read_jsonl(directory / STOPPED, repair=repair)
    kept, _ = first_wins(rows, lambda row: str(row["run_id"]))
    return {str(row["run_id"]): row for row in kept}


def read_transcripts(directory: Path) -> dict[str, dict[int, dict[str, Any]]]:
    """Journaled transcripts by run id and trial index (read only; the first line of an index wins)."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for path in sorted((directory / TRANSCRIPTS).glob("*.jsonl")):
        rows, _ = read_jsonl(path)
        kept, _ = first_wins(rows, _index)
        out[path.stem] = {_index(row): row.get("transcript") or {} for row in kept}
    return out
