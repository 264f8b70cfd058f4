"""Write one report twice: report.md for reviewers and a static report.html, plus CSV tables.

The report is a flat list of blocks (heading, paragraph, bullet list, table, image), so the Markdown
and the HTML cannot drift apart. The HTML has no scripts and no external resources: figures are
relative PNG links next to it, so the directory can be zipped, mailed or served as is.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

Formatter = Callable[[Any], str]


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    formats: dict[str, Formatter] = field(default_factory=dict)
    csv: str | None = None  # relative path of the CSV copy, linked under the table


@dataclass(frozen=True)
class Image:
    src: str  # relative to the report directory
    alt: str


Block = Heading | Paragraph | Bullets | Table | Image


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def fmt_loss(value: Any) -> str:
    return "—" if is_missing(value) else f"{float(value):.4g}"


def fmt_pct(value: Any) -> str:
    return "—" if is_missing(value) else f"{float(value):+.2f}%"


def fmt_share(value: Any) -> str:
    return "—" if is_missing(value) else f"{float(value):.1f}%"


def fmt_p(value: Any) -> str:
    return "—" if is_missing(value) else f"{float(value):.3g}"


def fmt_usd(value: Any) -> str:
    return "n/a" if is_missing(value) else f"${float(value):.4f}"


def fmt_plain(value: Any) -> str:
    if is_missing(value):
        return "—"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _cells(table: Table) -> tuple[list[str], list[list[str]]]:
    header = [str(c) for c in table.frame.columns]
    rows = []
    for record in table.frame.itertuples(index=False):
        rows.append([table.formats.get(col, fmt_plain)(val) for col, val in zip(header, record, strict=True)])
    return header, rows


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as GitHub-flavoured Markdown."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {block.text}\n")
        elif isinstance(block, Paragraph):
            out.append(block.text + "\n")
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {item}" for item in block.items) + "\n")
        elif isinstance(block, Table):
            header, rows = _cells(block)
            lines = ["| " + " | ".join(_md_escape(h) for h in header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
            if block.csv:
                lines.append(f"\n[CSV]({block.csv})")
            out.append("\n".join(lines) + "\n")
        elif isinstance(block, Image):
            out.append(f"![{block.alt}]({block.src})\n")
    return "\n".join(out)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1150px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 0.2em; font-size: 0.9em; display: block; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
.csv { font-size: 0.8em; } h2 { border-bottom: 1px solid #ddd; margin-top: 1.6em; }
"""


def _inline(text: str) -> str:
    """Escape text, then turn `code` spans into <code> (the only inline markup the report uses)."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def to_html(blocks: Sequence[Block], title: str) -> str:
    """Render blocks as one static HTML page (inline CSS, no scripts, relative image links)."""
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 6)
            body.append(f"<h{level}>{_inline(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            body.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Table):
            header, rows = _cells(block)
            head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
            lines = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>")
            if block.csv:
                body.append(f'<div class="csv"><a href="{html.escape(block.csv)}">CSV</a></div>')
        elif isinstance(block, Image):
            body.append(f'<img src="{html.escape(block.src)}" alt="{html.escape(block.alt)}">')
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as CSV (full precision; the report shows rounded values)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def write_report(blocks: Sequence[Block], out_dir: Path, title: str) -> Path:
    """Write report.md and report.html into out_dir; returns the HTML path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
    html_path = out_dir / "report.html"
    html_path.write_text(to_html(blocks, title), encoding="utf-8")
    return html_path
