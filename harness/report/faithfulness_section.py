"""The report's "Model fidelity" section, shown at the top: was each LLM optimizer really driven by
its model? Protocol used, random-fallback rate and provenance shares per optimizer x model (warning
above 10%, harness/faithfulness.py), runs a
provider refused, and the capabilities each model was run with."""

from __future__ import annotations

from typing import Any

import pandas as pd

from llmhpo.harness import faithfulness
from llmhpo.harness.journal.files import FAILURES, read_trials
from llmhpo.harness.journal.jsonl import read_jsonl
from llmhpo.harness.report.render import Block, Bullets, Heading, Paragraph, Table


def faithfulness_blocks(results: Any) -> list[Block]:
    manifest = results.manifest
    trials = read_trials(results.directory)
    rates = faithfulness.fallback_rates(trials)
    failures, _ = read_jsonl(results.directory / FAILURES)
    finished: dict[str, dict[int, Any]] = {}
    for t in trials:
        finished.setdefault(t.run_id, {})[t.index] = t
    budgets = {str(r["run_id"]): int(r["budget"]) for r in manifest.get("runs") or []}
    still_failed = faithfulness.open_failures(failures, finished, budgets)
    protocols = manifest.get("protocols") or {}
    if not rates and not protocols and not still_failed:
        return []
    blocks: list[Block] = [Heading(2, "Model fidelity")]
    lines = faithfulness.fallback_lines(rates) or ["no LLM proposals journaled yet"]
    lines += [f"output protocol of `{label}`: {p}" for label, p in sorted(protocols.items())]
    blocks.append(Bullets(lines))
    if still_failed:
        blocks.append(Paragraph(f"{len(still_failed)} run(s) FAILED: the provider refused their requests "
                                "(re-run the same command after fixing the cause to retry them):"))
        blocks.append(Bullets([f"`{run_id}` at trial {r.get('index')}: {r.get('error')}"
                               for run_id, r in sorted(still_failed.items())]))
    caps = manifest.get("capabilities") or {}
    if caps:
        rows = [{"model": m, **{k: v for k, v in c.items()}} for m, c in sorted(caps.items())]
        blocks.append(Table(pd.DataFrame(rows)))
    return blocks
