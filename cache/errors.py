"""Errors raised by the cache; all are the user's to act on (exit code 2 in the CLI)."""

from __future__ import annotations


class CacheError(Exception):
    """Base class for cache problems."""


class CacheMiss(CacheError):
    """Strict REPLAY found no entry: names the fingerprint and a readable summary of the request."""

    def __init__(self, fingerprint: str, summary: str, model: str | None = None) -> None:
        self.fingerprint = fingerprint
        self.summary = summary
        self.model = model
        where = f" for model {model}" if model else ""
        super().__init__(f"cache miss in REPLAY mode{where}: fingerprint {fingerprint}\n{summary}")


class CorruptEntry(CacheError):
    """An entry whose checksum or JSON does not verify; never served as a reply."""


class CacheNotWritable(CacheError):
    """The cache directory cannot be created or written."""
