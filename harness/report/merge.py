"""Several campaigns in one report (`llmhpo report A B ...`): refused unless they are comparable.

Why refuse instead of reporting what overlaps: a merged report ranks optimizers of different
campaigns against one random baseline; that means something only when every campaign ran the same
tasks (fidelity included: `xgb/australian@n_estimators=100` is another task), seeds, budgets and
benchmark versions. Every difference is one line naming the source (A, B, ... in the order given)
and the difference, e.g. `B: budget 8 != 6 in A (run svm-credit-g.llm-openai-gpt-4o.b8.s0)`; the
command exits 2 and writes nothing. An evaluation both campaigns made (same task, seed, config) must
also have the same loss: that catches benchmarks that changed without a recorded version.

Merged: run ids are prefixed with their source (`B:svm-credit-g.random.b6.s0`). An optimizer label
found in several sources whose runs are identical (a published campaign re-run with `--model`
repeats its random/gp/tpe runs) is counted once, from the first source; a label whose runs differ
is kept from each source, suffixed ` [B]`. The random baseline of a task pools the sources' sample
indices (sample i is the same config in campaigns with the same seeds and versions) when their
overlapping samples agree, else comes from the source with the most samples.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from llmhpo.cache.key import canonical_json
from llmhpo.harness.benchmarks import parse_name
from llmhpo.harness.errors import UserError
from llmhpo.harness.journal.files import BASELINE
from llmhpo.harness.journal.jsonl import read_rows
from llmhpo.harness.publish.bundle import open_campaign
from llmhpo.harness.report.load import Results, load_results
from llmhpo.harness.report.render import Block, Heading, Paragraph, Table

LOSS_TOLERANCE = 1e-9  # relative: the same evaluation replayed from a cache is bit-identical


@contextmanager
def campaign_directory(source: str | Path) -> Iterator[Path]:
    """THE one place a CLI source (`llmhpo report SOURCE ...`) becomes a campaign directory; a bundle
    (`harness.publish.bundle.open_campaign`) is opened here too, for as long as the report is being built."""
    with open_campaign(source) as directory:
        yield directory


@dataclass(frozen=True)
class Source:
    letter: str  # A, B, ... in the order the sources were given
    given: str  # the source as the user wrote it (path or bundle)
    results: Results


@dataclass(frozen=True)
class MergedResults(Results):
    """The sources' results as one campaign (run ids prefixed `A:`, `B:`, ...), and the sources."""

    sources: tuple[Source, ...] = field(default=())


def letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else f"S{i + 1}"


def load_sources(directories: list[Path], given: list[str] | None = None) -> list[Source]:
    given = given or [str(d) for d in directories]
    return [Source(letter(i), given[i], load_results(d)) for i, d in enumerate(directories)]


def _shape(r: Results) -> tuple[set[str], list[int], list[int]]:
    return set(r.runs["benchmark"]), sorted(set(int(s) for s in r.runs["seed"])), sorted(set(int(b) for b in r.runs["budget"]))


def _fidelity(overrides: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in overrides.items()) or "the default fidelity"


def _task_lines(s: Source, ref: Source, mine: set[str], theirs: set[str]) -> list[str]:
    """Tasks only one side ran; the same base task at another fidelity is named as such."""
    lines = []
    bases = {parse_name(t)[0]: t for t in theirs}
    for task in sorted(mine - theirs):
        base, fid = parse_name(task)
        other = bases.get(base)
        if other is not None:
            lines.append(f"{s.letter}: task {base} ran at {_fidelity(fid)}, in {ref.letter} at "
                         f"{_fidelity(parse_name(other)[1])} ({task} != {other})")
        else:
            lines.append(f"{s.letter}: task {task} is not in {ref.letter}")
    my_bases = {parse_name(t)[0] for t in mine}
    lines += [f"{s.letter}: lacks task {task} of {ref.letter}" for task in sorted(theirs - mine)
              if parse_name(task)[0] not in my_bases]
    return lines


def differences(sources: list[Source]) -> list[str]:
    """One located line per way a source differs from the first (empty: they can be merged)."""
    ref = sources[0]
    tasks0, seeds0, budgets0 = _shape(ref.results)
    versions0 = ref.results.manifest.get("benchmark_versions") or {}
    lines: list[str] = []
    for s in sources[1:]:
        if s.results.directory.resolve() == ref.results.directory.resolve():
            lines.append(f"{s.letter}: the same campaign directory as {ref.letter} ({s.results.directory})")
            continue
        tasks, seeds, budgets = _shape(s.results)
        lines += _task_lines(s, ref, tasks, tasks0)
        if seeds != seeds0:
            lines.append(f"{s.letter}: seeds {seeds} != {seeds0} in {ref.letter}")
        for b in sorted(set(budgets) - set(budgets0)):
            run = s.results.runs.loc[s.results.runs["budget"] == b, "run_id"].iloc[0]
            lines.append(f"{s.letter}: budget {b} != {', '.join(map(str, budgets0))} in {ref.letter} (run {run})")
        for b in sorted(set(budgets0) - set(budgets)):
            lines.append(f"{s.letter}: has no runs of budget {b} (as {ref.letter} has)")
        versions = s.results.manifest.get("benchmark_versions") or {}
        for task in sorted(set(versions) & set(versions0)):
            if str(versions[task]) != str(versions0[task]):
                lines.append(f"{s.letter}: benchmark {task} version {versions[task]} != {versions0[task]} in {ref.letter}")
        lines += _loss_mismatch(s, ref)
    return lines


def _evaluations(r: Results) -> pd.DataFrame:
    ok = r.trials.loc[r.trials["status"] == "ok", ["benchmark", "seed", "config", "loss", "run_id", "index"]].copy()
    ok["key"] = [canonical_json(c) for c in ok["config"]]
    return ok.drop_duplicates(["benchmark", "seed", "key"])


def _loss_mismatch(s: Source, ref: Source) -> list[str]:
    """The first evaluation both made with different losses (at most one line: one is proof enough)."""
    both = _evaluations(s.results).merge(_evaluations(ref.results), on=["benchmark", "seed", "key"], suffixes=("", "_ref"))
    for row in both.itertuples():
        if not math.isclose(row.loss, row.loss_ref, rel_tol=LOSS_TOLERANCE, abs_tol=LOSS_TOLERANCE):
            return [f"{s.letter}: {row.benchmark} seed {row.seed} config {row.key} has loss {row.loss:.6g} "
                    f"(run {row.run_id}#{row.index}), {row.loss_ref:.6g} in {ref.letter} (run {row.run_id_ref}#"
                    f"{row.index_ref}): the benchmark is not the same"]
    return []


def _signature(trials: pd.DataFrame) -> list[tuple[Any, ...]]:
    """What makes two sources' runs of one label identical: every trial's run, config and result."""
    rows = trials.sort_values(["run_id", "index"])
    return [(r.run_id, r.index, canonical_json(r.config), None if math.isnan(r.loss) else r.loss, r.status, r.model)
            for r in rows[["run_id", "index", "config", "loss", "status", "model"]].itertuples()]


def _relabel(s: Source, seen: dict[str, Source], notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """A source's runs and trials as they enter the merge (labels resolved, run ids prefixed)."""
    runs, trials = s.results.runs.copy(), s.results.trials.copy()
    keep = pd.Series(True, index=runs.index)
    for label in sorted(set(runs["optimizer"])):
        first = seen.get(label)
        if first is None:
            seen[label] = s
            continue
        mine, theirs = trials.loc[trials["optimizer"] == label], first.results.trials
        if _signature(mine) == _signature(theirs.loc[theirs["optimizer"] == label]):
            notes.append(f"`{label}`: identical runs in {first.letter} and {s.letter}, counted once ({first.letter}'s)")
            keep &= runs["optimizer"] != label
        else:
            notes.append(f"`{label}` ran in {first.letter} and {s.letter} with different results: "
                         f"{s.letter}'s is shown as `{label} [{s.letter}]`")
            runs.loc[runs["optimizer"] == label, "optimizer"] = f"{label} [{s.letter}]"
            trials.loc[trials["optimizer"] == label, "optimizer"] = f"{label} [{s.letter}]"
    runs = runs.loc[keep]
    trials = trials.loc[trials["run_id"].isin(runs["run_id"])].copy()
    prefix = f"{s.letter}:"
    runs["run_id"] = prefix + runs["run_id"]
    trials["run_id"] = prefix + trials["run_id"]
    stopped = {prefix + k: v for k, v in s.results.stopped.items() if prefix + k in set(runs["run_id"])}
    return runs, trials, stopped


def _samples(directory: Path) -> dict[str, dict[int, dict[str, Any]]]:
    """baseline.jsonl per task by sample index (older rows without an index count in file order)."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    path = directory / BASELINE
    for row in read_rows(path) if path.is_file() else []:
        by_index = out.setdefault(str(row.get("benchmark")), {})
        by_index.setdefault(int(row["sample"]) if row.get("sample") is not None else len(by_index), row)
    return out


def pooled_baseline(sources: list[Source], notes: list[str]) -> pd.DataFrame | None:
    """Per task: the union of the sources' sample indices when the samples they share agree (same
    config and loss), else the source with the most samples (noted)."""
    per_source = [(s, _samples(s.results.directory)) for s in sources]
    rows: list[dict[str, Any]] = []
    for task in sorted({t for _, samples in per_source for t in samples}):
        having = [(s, samples[task]) for s, samples in per_source if samples.get(task)]
        pool: dict[int, dict[str, Any]] = {}
        agree = True
        for _, by_index in having:
            for i, row in by_index.items():
                prior = pool.setdefault(i, row)
                if prior is not row and (canonical_json(prior.get("config")) != canonical_json(row.get("config"))
                                         or prior.get("loss") != row.get("loss")):
                    agree = False
        if not agree:
            s, pool = max(having, key=lambda h: len(h[1]))
            notes.append(f"task `{task}`: the sources' baseline samples differ, so {s.letter}'s {len(pool)} are used")
        elif len(having) > 1:
            counts = ", ".join(f"{s.letter} {len(b)}" for s, b in having)
            notes.append(f"task `{task}`: baseline samples pooled ({counts}): {len(pool)} distinct")
        rows += [{"benchmark": task, "loss": _num(r.get("loss")), "test_loss": _num(r.get("test_loss"))}
                 for _, r in sorted(pool.items())]
    return pd.DataFrame(rows, columns=["benchmark", "loss", "test_loss"]) if rows else None


def _num(value: Any) -> float:
    return float("nan") if value is None else float(value)


def merge(sources: list[Source]) -> MergedResults:
    """One campaign of comparable sources; UserError listing every difference otherwise."""
    lines = differences(sources)
    if lines:
        raise UserError("cannot merge these campaigns into one report:\n" + "\n".join(f"  - {line}" for line in lines))
    notes: list[str] = [f"{s.letter}: {n}" for s in sources for n in s.results.notes]
    notes += [f"{s.letter}: benchmark versions not recorded (a campaign older than that record); compared by the "
              "losses of the evaluations both campaigns made" for s in sources
              if not s.results.manifest.get("benchmark_versions")]
    seen: dict[str, Source] = {}
    parts = [_relabel(s, seen, notes) for s in sources]
    runs = pd.concat([p[0] for p in parts], ignore_index=True)
    trials = pd.concat([p[1] for p in parts], ignore_index=True).sort_values(["run_id", "index"], kind="stable")
    stopped = {k: v for p in parts for k, v in p[2].items()}
    required = [r for r in (s.results.required_samples for s in sources) if r]
    manifest = {"campaign": " + ".join(f"{s.results.campaign} ({s.letter})" for s in sources),
                "created_at": "see Sources", "llmhpo_version": "see Sources", "spec_hash": "see Sources",
                "cache": {"path": "see Sources", "mode": "-"},
                "spec": {"baseline_samples": max(required) if required else 0}}
    baseline = pooled_baseline(sources, notes)
    return MergedResults(sources[0].results.directory, manifest, runs, trials.reset_index(drop=True), baseline,
                         notes, stopped, tuple(sources))


def source_blocks(results: Results) -> list[Block]:
    """The header's list of source campaigns (a merged report only)."""
    if not isinstance(results, MergedResults):
        return []
    rows = []
    for s in results.sources:
        m = s.results.manifest
        rows.append({"source": s.letter, "campaign": s.results.campaign, "path or bundle": s.given,
                     "created_at": m.get("created_at", "?"), "llmhpo": m.get("llmhpo_version", "?"),
                     "spec hash": str(m.get("spec_hash", "?"))[:16],
                     "optimizers": ", ".join(sorted(set(s.results.runs["optimizer"])))})
    return [Heading(2, "Sources"),
            Paragraph(f"{len(rows)} campaigns merged: same tasks, seeds, budgets and benchmark versions. Run ids "
                      "are prefixed with their source."),
            Table(pd.DataFrame(rows))]


def per_source(make: Any, results: Results) -> list[Block]:
    """`make(results)` (a section read from one campaign directory) once per source, each titled."""
    if not isinstance(results, MergedResults):
        return make(results)
    blocks: list[Block] = []
    for s in results.sources:
        part = make(s.results)
        if part:  # the section's heading once, then each source's part under its name
            blocks += [*part[:1 if not blocks else 0], Paragraph(f"Source {s.letter} (`{s.results.campaign}`):"),
                       *part[1:]]
    return blocks
