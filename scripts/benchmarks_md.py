"""Where every bench script publishes: one appended section of BENCHMARKS.md (run as `scripts/bench_*.py`,
so this module is importable beside them)."""

from __future__ import annotations

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def append_section(text: str) -> None:
    """Append `text` (a Markdown section, with its own leading blank line) to BENCHMARKS.md."""
    with BENCHMARKS.open("a", encoding="utf-8") as out:
        out.write(text)


def publish(text: str, *, append: bool) -> None:
    """Print a bench script's section, and append it to BENCHMARKS.md unless the run asked not to."""
    print(text)
    if append:
        append_section(text)
