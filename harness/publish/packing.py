"""`llmhpo pack`: what goes into a campaign bundle (harness.publish.bundle writes and reads the file).

Which cache entries: exactly those the campaign used. The sure way to know them is to do what a
receiver will do: a strict replay of the campaign against the source cache, through a store that
notes every entry it is asked for (every LLM reply and evaluation the re-derivation reads; failed
LLM attempts are answered from the transcripts, which the bundle holds), plus the evaluations of
the journaled baseline samples (a replay does not read them; a resume and the issue's "every
evaluation" do). Entries of other campaigns in the same cache are never read, so never packed.
The replay also proves the campaign is whole: a miss, a corrupt entry or a trial that does not
re-derive makes the campaign "damaged", and an unfinished run "unfinished"; both are refused
unless `allow_incomplete`, which then packs what the replay read plus every entry the journal
names (transcript fingerprints, trial evaluations) that the cache still holds.

What is left out: API keys (a member holding the value of a key variable of this environment is
refused) and this machine's paths (the manifest's cache path and the spec's cache dir and output
are cleared; the receiver's are its own).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmhpo.cache.errors import CacheError, CorruptEntry
from llmhpo.cache.key import canonical_json
from llmhpo.harness.benchmarks import load
from llmhpo.harness.campaign.baseline import done_samples, recorded_requests
from llmhpo.harness.campaign.evaluation import NAMESPACE, eval_request, request_key
from llmhpo.harness.campaign.replay import replay
from llmhpo.harness.errors import UserError
from llmhpo.harness.journal.files import (
    BASELINE,
    TRANSCRIPTS,
    TRIALS,
    read_stopped,
    read_transcripts,
    read_trials,
)
from llmhpo.harness.journal.jsonl import read_jsonl
from llmhpo.harness.journal.manifest import load_manifest
from llmhpo.harness.publish import bundle

if TYPE_CHECKING:
    from llmhpo.cache.store import CacheStore

# the campaign's files a bundle carries (report/, optimizer-files/ and the lock are not the campaign)
FILES = ("manifest.json", "trials.jsonl", "baseline.jsonl", "stopped.jsonl", "failures.jsonl")
_KEY_VARIABLE = re.compile(r"(API_KEY|_KEY|TOKEN|SECRET)$")


@dataclass
class Packed:
    """What `pack` wrote."""

    path: Path
    size: int
    trials: int
    entries: dict[str, int]
    problems: list[str] = field(default_factory=list)  # why it is unfinished or damaged (allow_incomplete)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{n} {ns}" for ns, n in sorted(self.entries.items())) or "no"
        state = "complete" if not self.problems else f"INCOMPLETE ({len(self.problems)} problem(s))"
        return (f"packed {self.trials} trials and {counts} cache entries into {self.path} "
                f"({self.size / 1e6:.2f} MB, {state})")


class _ReadRecorder:
    """A cache store seen through: every entry found on a read is noted as (namespace, key). A
    `cache.Store` (what a replay reads through): `get` and `put` (never called by a strict replay,
    forwarded all the same), and `get_envelope`."""

    def __init__(self, inner: CacheStore) -> None:
        self.inner = inner
        self.read: set[tuple[str, str]] = set()

    def get(self, key: str, namespace: str = "llm") -> dict[str, Any] | None:
        value = self.inner.get(key, namespace)
        if value is not None:
            self.read.add((namespace, key))
        return value

    def get_envelope(self, key: str, namespace: str = "llm") -> dict[str, Any] | None:
        envelope = self.inner.get_envelope(key, namespace)
        if envelope is not None:
            self.read.add((namespace, key))
        return envelope

    def put(self, key: str, value: dict[str, Any], namespace: str = "llm",
            request: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.inner.put(key, value, namespace, request)


def unfinished(directory: Path, manifest: dict[str, Any]) -> list[str]:
    """Why a campaign is not finished: runs short of their budget (not stopped early), missing
    baseline samples, a journal file torn by a kill."""
    problems: list[str] = []
    for name in (TRIALS, BASELINE):
        if read_jsonl(directory / name)[1]:
            problems.append(f"{name} ends with a torn line (the campaign was killed mid-write)")
    done: dict[str, set[int]] = {}
    for trial in read_trials(directory):
        done.setdefault(trial.run_id, set()).add(trial.index)
    stopped = read_stopped(directory)
    for run in manifest.get("runs") or []:
        have = len(done.get(run["run_id"], ()))
        if have < int(run["budget"]) and run["run_id"] not in stopped:
            problems.append(f"run {run['run_id']} has {have} of {run['budget']} trials")
    wanted = int((manifest.get("spec") or {}).get("baseline_samples") or 0)
    baseline = done_samples(read_jsonl(directory / BASELINE)[0])
    for bench in (manifest.get("spec") or {}).get("benchmarks") or []:
        have = len(baseline.get(bench, ()))
        if have < wanted:
            problems.append(f"baseline of {bench} has {have} of {wanted} samples")
    return problems


def _baseline_keys(directory: Path, manifest: dict[str, Any]) -> set[tuple[str, str]]:
    rows = read_jsonl(directory / BASELINE)[0]
    if not rows:
        return set()
    benches = {name: load(name) for name in {str(r.get("benchmark")) for r in rows}}
    seeds = (manifest.get("spec") or {}).get("seeds") or [0]
    return {(NAMESPACE, key) for key, _ in recorded_requests(rows, seeds, benches)}


def _journal_keys(directory: Path) -> set[tuple[str, str]]:
    """Every entry the journal names: LLM fingerprints of the transcripts, evaluations of the trials
    (what an unfinished or damaged campaign packs besides what its replay read)."""
    from llmhpo.harness.campaign.recorded_attempts import attempts

    keys: set[tuple[str, str]] = set()
    for by_index in read_transcripts(directory).values():
        for transcript in by_index.values():
            keys.update(("llm", a.fingerprint) for a in attempts(transcript)
                        if isinstance(a.fingerprint, str) and a.answered)
    benches: dict[str, Any] = {}
    for trial in read_trials(directory):
        bench = benches.get(trial.benchmark) or benches.setdefault(trial.benchmark, load(trial.benchmark))
        try:
            keys.add((NAMESPACE, request_key(eval_request(bench, trial.config, trial.seed))))
        except Exception:  # noqa: BLE001 - a config the benchmark now refuses names no entry
            continue
    return keys


def used_entries(directory: Path, manifest: dict[str, Any], store: CacheStore) -> tuple[set[tuple[str, str]], list[str]]:
    """(namespace, key) of every entry the campaign used, and why the replay says it is damaged."""
    recorder = _ReadRecorder(store)
    problems: list[str] = []
    try:
        result = replay(directory, store=recorder)
        problems += [f"replay mismatch: {m}" for m in result.mismatches]
    except CacheError as exc:  # a miss or a corrupt entry: the cache lacks what the journal used
        problems.append(f"replay failed: {str(exc).splitlines()[0]}")
    except UserError as exc:
        if "no finished trials" not in str(exc):
            raise
    keys = recorder.read | _baseline_keys(directory, manifest)
    if problems:
        keys |= {k for k in _journal_keys(directory) if (k[1], k[0]) in store}
    return keys, problems


def _scrubbed_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without this machine's paths (the receiver's cache and output are its own)."""
    out = json.loads(json.dumps(manifest))
    out["cache"] = {**(out.get("cache") or {}), "path": None}
    spec = out.get("spec")
    if isinstance(spec, dict):
        spec["cache"] = {**(spec.get("cache") or {}), "dir": None}
        spec["output"] = None
    return out


def _secrets() -> dict[str, str]:
    """Values of this environment's key variables (names ending in _KEY, TOKEN, SECRET)."""
    return {name: value for name, value in os.environ.items() if _KEY_VARIABLE.search(name) and len(value) >= 8}


def _check_members(members: dict[str, bytes], paths: list[str], notes: list[str]) -> None:
    """Refuse a member holding a key of this environment; note one that mentions this machine's paths."""
    secrets = _secrets()
    for name, data in members.items():
        for variable, value in secrets.items():
            if value.encode() in data:
                raise UserError(f"refusing to pack: {name} contains the value of ${variable} (an API key?)")
        for path in paths:
            if path and path != "/" and path.encode() in data:
                notes.append(f"{name} mentions {path}, a path of this machine")
                break


def pack(results_dir: Path | str, out: Path | str | None = None, *, cache_dir: Path | str | None = None,
         allow_incomplete: bool = False) -> Packed:
    """Write the bundle of a campaign (see the module docstring); UserError when it is unfinished or
    damaged and not `allow_incomplete`, or names a cache that does not exist."""
    from llmhpo.cache.store import CacheStore

    directory, manifest = load_manifest(results_dir)
    cache_path = Path(cache_dir or (manifest.get("cache") or {}).get("path") or "").expanduser()
    if not str(cache_path) or not (cache_path / "cache.db").is_file():
        raise UserError(f"cache directory {str(cache_path)!r} holds no cache; pass --cache DIR (the campaign's cache)")
    problems = unfinished(directory, manifest)
    with CacheStore(cache_path) as store:
        keys, damaged = used_entries(directory, manifest, store)
        problems += damaged
        if problems and not allow_incomplete:
            raise UserError(f"{directory} is {'damaged' if damaged else 'unfinished'}: {problems[0]}"
                            + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else "")
                            + "; pass --allow-incomplete to pack it anyway")
        lines, counts = [], {}
        for ns, key in sorted(keys):
            try:
                envelope = store.get_envelope(key, ns)
            except CorruptEntry as exc:  # only reachable with allow_incomplete (a replay would have failed)
                problems.append(str(exc))
                continue
            if envelope is not None:
                lines.append(canonical_json(envelope))
                counts[ns] = counts.get(ns, 0) + 1
    members: dict[str, bytes] = {bundle.ENTRIES: "".join(line + "\n" for line in lines).encode("utf-8")}
    for name in FILES:
        if (directory / name).is_file():
            data = (directory / name).read_bytes()
            if name == "manifest.json":
                data = (json.dumps(_scrubbed_manifest(manifest), indent=2) + "\n").encode("utf-8")
            members[bundle.CAMPAIGN + name] = data
    for path in sorted((directory / TRANSCRIPTS).glob("*.jsonl")):
        members[f"{bundle.CAMPAIGN}{TRANSCRIPTS}/{path.name}"] = path.read_bytes()
    notes: list[str] = []
    _check_members(members, [str(directory.resolve()), str(cache_path.resolve()), str(Path.home())], notes)
    target = Path(out) if out else Path.cwd() / f"{manifest.get('campaign') or directory.name}{bundle.SUFFIX}"
    index = {"campaign": manifest.get("campaign") or directory.name, "spec_hash": manifest.get("spec_hash"),
             "llmhpo_version": manifest.get("llmhpo_version"), "complete": not problems, "problems": problems,
             "entries": counts}
    size = bundle.write_bundle(target, members, index)
    return Packed(target, size, len(read_trials(directory)), counts, problems, notes)
