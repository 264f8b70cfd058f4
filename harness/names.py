"""File-name-safe names: run ids, transcript files and report figures are named after tasks and labels.

One rule for all of them, so a figure, a journal file and a run id of the same task always agree.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str) -> str:
    """`text` with every run of characters outside letters, digits, '.', '_', '-' replaced by one '-'."""
    return _UNSAFE.sub("-", text).strip("-")
