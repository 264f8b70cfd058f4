"""Harness errors that are the user's to fix (CLI exit code 2)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def suggest(word: str, choices: Sequence[str]) -> str:
    """` (did you mean 'x'?)` for the close matches of `word`, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


class UserError(Exception):
    """Invalid spec, unknown benchmark/optimizer/option, invalid config: one clear message."""


class InvalidConfig(UserError):
    """A configuration outside its search space; names the parameter."""

    def __init__(self, param: str, reason: str) -> None:
        self.param = param
        self.reason = reason
        super().__init__(f"invalid value for parameter {param!r}: {reason}")
