"""Harness errors that are the user's to fix (CLI exit code 2)."""

from __future__ import annotations

from llmhpo.registry import RegistryError, suggest

__all__ = ["InvalidConfig", "RegistryUserError", "UserError", "suggest"]


class UserError(Exception):
    """Invalid spec, unknown benchmark/optimizer/option, invalid config: one clear message."""


class InvalidConfig(UserError):
    """A configuration outside its search space; names the parameter."""

    def __init__(self, param: str, reason: str) -> None:
        self.param = param
        self.reason = reason
        super().__init__(f"invalid value for parameter {param!r}: {reason}")


class RegistryUserError(UserError, RegistryError):
    """An unknown optimizer or benchmark family, or a name already taken (llmhpo.registry)."""
