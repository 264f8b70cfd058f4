"""JSONL files of a campaign directory: read (with torn-line detection and repair), append, rewrite.

Why append-only, one fsynced line per record: a campaign may be killed (-9) at any moment, and these
files are what resume trusts. A line is either fully on disk or it is the torn last line, which a
reader detects and (when repairing) cuts off before anything new is appended.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from llmhpo.cache.atomic import write_text_atomic
from llmhpo.harness.errors import UserError


def jsonl_line(row: dict[str, Any]) -> str:
    """One journal line: compact JSON, NaN refused (a journal holds only finite numbers)."""
    return json.dumps(row, separators=(",", ":"), allow_nan=False) + "\n"


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write-then-rename, so a kill never leaves a half-written manifest."""
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def write_jsonl_atomic(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Replace a JSONL file whole (write-then-rename), e.g. a transcript file cleaned on resume."""
    write_text_atomic(path, "".join(jsonl_line(row) for row in rows))


def read_rows(path: Path, notes: list[str] | None = None) -> list[dict[str, Any]]:
    """The rows of a journal file, read only; a torn last line (kill -9 mid-write) is skipped with a note."""
    rows, torn = read_jsonl(path)
    if torn and notes is not None:
        notes.append(f"{path.name}: skipped a truncated last line")
    return rows


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


class Appender:
    """One open append-mode file; each line flushed and fsynced before `write` returns."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("a", encoding="utf-8")

    def write(self, obj: dict[str, Any]) -> None:
        self.fh.write(jsonl_line(obj))
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        self.fh.close()


def append_one(path: Path, row: dict[str, Any]) -> None:
    """Append a single fsynced line to a file that is rarely written (open, write, close)."""
    appender = Appender(path)
    try:
        appender.write(row)
    finally:
        appender.close()
