"""CacheStore: a diskcache directory holding JSON envelopes as raw bytes, never pickles.

Why a custom `Disk`: diskcache pickles any value or key that is not str/bytes/int/float and
unpickles whatever row it reads (CVE-2025-69872). `_JsonBytesDisk` only accepts str keys and
bytes values on write and refuses to decode a pickled row on read, so a planted pickle in the
SQLite file is reported as corrupt instead of executed.

Why an envelope with a checksum: a recorded reply is only worth replaying if it is exactly what
was recorded; `get` re-derives the checksum on every read and raises `CorruptEntry` rather than
return a damaged value. Several processes may share one directory: diskcache's SQLite (WAL mode)
serialises writers, and each process/thread gets its own connection.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import diskcache
from diskcache.core import MODE_BINARY, MODE_RAW, UNKNOWN

from llmhpo.cache.errors import CacheError, CacheNotWritable, CorruptEntry
from llmhpo.cache.index_header import index_problem
from llmhpo.cache.key import canonical_json, fingerprint_problem

ENVELOPE_FIELDS = ("fingerprint", "namespace", "request", "value", "created_at", "llmhpo_version", "checksum")
_NAMESPACE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_SEP = "/"


class _JsonBytesDisk(diskcache.Disk):
    """diskcache serialiser that stores str keys and bytes values raw and never (un)pickles."""

    def put(self, key: Any) -> tuple[Any, bool]:
        if type(key) is not str:
            raise TypeError(f"cache keys must be str, got {type(key).__name__}")
        return super().put(key)

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise CorruptEntry("refusing to unpickle a non-raw key found in the cache database")
        return super().get(key, raw)

    def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> tuple[Any, ...]:
        if type(value) is not bytes:
            raise TypeError(f"cache values must be bytes of JSON, got {type(value).__name__}")
        return super().store(value, read, key=key)

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode not in (MODE_RAW, MODE_BINARY):
            raise CorruptEntry(f"refusing to decode a cache row stored in diskcache mode {mode} (not raw JSON bytes)")
        try:
            return super().fetch(mode, filename, value, read)
        except FileNotFoundError:
            # diskcache would report a miss; a recorded reply that vanished is damage, not a miss
            raise CorruptEntry(f"its value file {filename} is missing") from None


@functools.cache
def llmhpo_version() -> str:
    """Installed llmhpo version (looked up once, lazily: importlib.metadata costs ~50 ms)."""
    from importlib import metadata

    try:
        return metadata.version("llmhpo")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def check_namespace(namespace: str) -> str:
    """Namespaces are short lowercase words ("llm", "eval") so keys sort and read cleanly."""
    if not isinstance(namespace, str) or not _NAMESPACE_RE.match(namespace):
        raise CacheError(f"invalid cache namespace {namespace!r}: use lowercase letters, digits, '_', '.', '-'")
    return namespace


def envelope_checksum(envelope: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of every envelope field except the checksum itself."""
    body = {k: v for k, v in envelope.items() if k != "checksum"}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def make_envelope(key: str, namespace: str, value: dict[str, Any], request: dict[str, Any] | None) -> dict[str, Any]:
    """Wrap a JSON value (and its canonical request) with provenance and a checksum."""
    if not isinstance(value, dict):
        raise TypeError(f"cache values must be dicts, got {type(value).__name__}")
    envelope: dict[str, Any] = {
        "fingerprint": key,
        "namespace": namespace,
        "request": request,
        "value": value,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "llmhpo_version": llmhpo_version(),
    }
    # Normalise through canonical JSON first so the stored checksum matches what a reader re-derives.
    envelope = json.loads(canonical_json(envelope))
    envelope["checksum"] = envelope_checksum(envelope)
    return envelope


def envelope_problem(envelope: Any, *, checksum_verified: bool = False, check_key: bool = False) -> str | None:
    """Why `envelope` is not a valid entry (None when it is); skips the checksum if already verified.

    check_key: also that its fingerprint is its request's (`cache.key.fingerprint_problem`); verify,
    import and repair ask for it, a read does not (it would cost a canonicalisation per hit)."""
    if not isinstance(envelope, dict):
        return "entry is not a JSON object"
    missing = [f for f in ENVELOPE_FIELDS if f not in envelope]
    if missing:
        return f"entry lacks field(s) {', '.join(missing)}"
    extra = sorted(set(envelope) - set(ENVELOPE_FIELDS))
    if extra:
        return f"entry has unknown field(s) {', '.join(extra)}"
    if not isinstance(envelope["value"], dict):
        return "entry value is not a JSON object"
    if checksum_verified:
        return _key_problem(envelope) if check_key else None
    try:
        expected = envelope_checksum(envelope)
    except (TypeError, ValueError) as exc:
        return f"entry is not canonical JSON ({exc})"
    if envelope["checksum"] != expected:
        return "checksum mismatch (entry was modified or damaged)"
    return _key_problem(envelope) if check_key else None


def _key_problem(envelope: dict[str, Any]) -> str | None:
    return fingerprint_problem(envelope["fingerprint"], envelope["request"], str(envelope["namespace"]))


_CHECKSUM_PREFIX = b'{"checksum":"'


def _bytes_checksum_ok(data: bytes) -> bool:
    """Fast path for bytes this module wrote: canonical JSON sorts "checksum" first, so the rest of
    the object is exactly the canonical JSON the checksum was taken over. Hashing those bytes is
    ~10x cheaper than re-canonicalising the parsed envelope; anything else takes the slow path.
    """
    n = len(_CHECKSUM_PREFIX)
    if not data.startswith(_CHECKSUM_PREFIX) or data[n + 64 : n + 66] != b'",':
        return False
    return hashlib.sha256(b"{" + data[n + 66 :]).hexdigest().encode("ascii") == data[n : n + 64]


def decode_envelope(data: Any, where: str) -> dict[str, Any]:
    """Parse and verify stored bytes; raise CorruptEntry naming `where` on any defect."""
    if not isinstance(data, bytes | str):
        raise CorruptEntry(f"corrupt cache entry {where}: stored value is {type(data).__name__}, not JSON bytes")
    try:
        envelope = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptEntry(f"corrupt cache entry {where}: not valid JSON ({exc})") from None
    problem = envelope_problem(envelope, checksum_verified=isinstance(data, bytes) and _bytes_checksum_ok(data))
    if problem:
        raise CorruptEntry(f"corrupt cache entry {where}: {problem}")
    return envelope


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class CacheStore:
    """Thread- and multi-process-safe store of JSON envelopes keyed by (namespace, fingerprint)."""

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory).expanduser()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            blocker = next((p for p in (self.path, *self.path.parents) if p.exists() and not p.is_dir()), None)
            raise CacheNotWritable(
                f"cache directory {self.path} cannot be created: {blocker or 'a parent'} is not a directory"
            ) from None
        except OSError as exc:
            raise CacheNotWritable(f"cache directory {self.path} cannot be created: {exc.strerror or exc}") from None
        except ValueError as exc:  # a NUL byte in the path
            raise CacheNotWritable(f"cache directory {str(self.path)!r} cannot be created: {exc}") from None
        if not self.path.is_dir():
            raise CacheNotWritable(f"cache directory {self.path} is not a directory")
        problem = index_problem(self.path)  # an empty or cut index would silently forget every recording
        if problem:
            raise CorruptEntry(f"{problem}; rebuild it with: llmhpo cache repair --cache {self.path}")
        try:
            # eviction 'none' + no size limit: recordings must never be culled behind the user's back.
            self._cache = diskcache.Cache(
                str(self.path),
                disk=_JsonBytesDisk,
                eviction_policy="none",
                size_limit=2**62,
                cull_limit=0,
                statistics=False,
            )
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise CorruptEntry(f"{self.path / 'cache.db'} is not a valid cache database: {exc}") from None
            raise CacheNotWritable(f"cache directory {self.path} is not writable: {exc}") from None
        except (sqlite3.Error, OSError) as exc:
            raise CacheNotWritable(f"cache directory {self.path} is not writable: {exc}") from None

    # -- keys -----------------------------------------------------------------------------------
    @staticmethod
    def _dkey(key: str, namespace: str) -> str:
        check_namespace(namespace)
        if not isinstance(key, str) or not key or _SEP in key:
            raise CacheError(f"invalid cache key {key!r}")
        return f"{namespace}{_SEP}{key}"

    # -- single entries ---------------------------------------------------------------------------
    def get(self, key: str, namespace: str = "llm") -> dict[str, Any] | None:
        """Stored value for `key`, None on a miss; CorruptEntry if the entry does not verify."""
        envelope = self.get_envelope(key, namespace)
        return None if envelope is None else envelope["value"]

    def get_envelope(self, key: str, namespace: str = "llm") -> dict[str, Any] | None:
        """The whole verified envelope (value plus request and provenance)."""
        dkey = self._dkey(key, namespace)
        where = f"{namespace}/{key} in {self.path}"
        try:
            data = self._cache.get(dkey)
        except CorruptEntry as exc:
            raise CorruptEntry(f"corrupt cache entry {where}: {exc}") from None
        if data is None:
            return None
        envelope = decode_envelope(data, where)
        if envelope["fingerprint"] != key or envelope["namespace"] != namespace:
            raise CorruptEntry(f"corrupt cache entry {where}: it holds {envelope['namespace']}/{envelope['fingerprint']}")
        return envelope

    def put(
        self, key: str, value: dict[str, Any], namespace: str = "llm", request: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Store `value` (a JSON dict) under `key`, overwriting; returns the envelope written."""
        self._dkey(key, namespace)
        envelope = make_envelope(key, namespace, value, request)
        self._write(envelope)
        return envelope

    def put_envelope(self, envelope: dict[str, Any]) -> None:
        """Store an envelope as-is (cassette import), after verifying its checksum."""
        problem = envelope_problem(envelope, check_key=True)
        if problem:
            raise CorruptEntry(f"refusing to store entry {envelope.get('fingerprint')!r}: {problem}")
        self._write(envelope)

    def _write(self, envelope: dict[str, Any]) -> None:
        dkey = self._dkey(envelope["fingerprint"], envelope["namespace"])
        data = canonical_json(envelope).encode("utf-8")
        try:
            self._cache.set(dkey, data, tag=envelope["namespace"], retry=True)
        except (sqlite3.Error, OSError) as exc:
            raise CacheNotWritable(f"cannot write to cache directory {self.path}: {exc}") from None

    def delete(self, key: str, namespace: str = "llm") -> bool:
        """Remove one entry; True if it existed."""
        return bool(self._cache.delete(self._dkey(key, namespace), retry=True))

    def __contains__(self, item: tuple[str, str]) -> bool:
        key, namespace = item
        return self._dkey(key, namespace) in self._cache

    # -- whole store ------------------------------------------------------------------------------
    def _keys(self, namespace: str | None = None) -> Iterator[tuple[str, str, str]]:
        """(diskcache key, namespace, fingerprint) in key order, optionally for one namespace."""
        if namespace is not None:
            check_namespace(namespace)
        for dkey in self._cache.iterkeys():
            ns, _, fp = str(dkey).partition(_SEP)
            if namespace is None or ns == namespace:
                yield dkey, ns, fp

    def entries(self, namespace: str | None = None) -> Iterator[dict[str, Any]]:
        """Verified envelopes in (namespace, fingerprint) order; raises CorruptEntry on a bad one."""
        for _, ns, fp in self._keys(namespace):
            envelope = self.get_envelope(fp, ns)
            if envelope is not None:  # deleted by another process meanwhile
                yield envelope

    # -- raw rows, for cache.repair: bytes as stored, nothing verified ------------------------------
    def raw_keys(self) -> list[tuple[str, str, str]]:
        """(diskcache key, namespace, fingerprint) of every row of the index."""
        return list(self._keys())

    def raw_get(self, dkey: str) -> Any:
        """The stored bytes of a row (CorruptEntry when its value file is gone)."""
        return self._cache.get(dkey)

    def raw_delete(self, dkey: str) -> bool:
        return bool(self._cache.delete(dkey, retry=True))

    def check_storage(self, *, fix: bool) -> list[Any]:
        """diskcache's own `check()` (integrity, file sizes, unknown files, counters) as warnings."""
        return list(self._cache.check(fix=fix, retry=True))

    def stats(self) -> dict[str, Any]:
        """Entry counts per namespace, total entries, bytes on disk and the directory."""
        counts = Counter(ns for _, ns, _ in self._keys())
        return {
            "path": str(self.path),
            "entries": sum(counts.values()),
            "namespaces": dict(sorted(counts.items())),
            "bytes": int(self._cache.volume()),
        }

    def verify(self) -> list[str]:
        """Every problem found: entries that do not verify (bad JSON, checksum mismatch, value file
        missing) and every warning of diskcache's own `check()` (file sizes, unknown files, counters)."""
        problems: list[str] = []
        for _, ns, fp in self._keys():
            try:
                envelope = self.get_envelope(fp, ns)
            except CorruptEntry as exc:
                problems.append(str(exc))
                continue
            problem = None if envelope is None else _key_problem(envelope)
            if problem:
                problems.append(f"corrupt cache entry {ns}/{fp} in {self.path}: {problem}")
        reported = " ".join(problems)
        for warning in self._cache.check(fix=False, retry=True):  # check() returns its warnings
            message = str(warning.message)
            name = message.rpartition("/")[2]
            if message.startswith("file not found") and name and name in reported:
                continue  # already reported above, with its entry
            problems.append(f"storage: {message}")
        return problems

    def prune(
        self, older_than_days: float | None = None, namespace: str | None = None, *,
        backup: Callable[[list[dict[str, Any]]], Any] | None = None,
    ) -> int:
        """Delete entries matching every filter given; returns how many index entries were removed.

        Corrupt entries are not this method's business: `cache.repair.repair` moves them aside and
        re-indexes what the index lost (`llmhpo cache prune --corrupt` calls it).
        `backup(envelopes)` is called with the doomed entries before anything is deleted.
        Refuses to run with no filter at all, so a typo cannot wipe a whole set of recordings.
        """
        if older_than_days is None and namespace is None:
            raise CacheError("prune needs older_than_days or namespace; refusing to delete everything")
        if older_than_days is not None and not (math.isfinite(older_than_days) and older_than_days >= 0):
            raise CacheError(f"older_than_days must be a finite number >= 0, got {older_than_days}")
        cutoff = None if older_than_days is None else datetime.now(UTC) - timedelta(days=older_than_days)
        doomed: list[tuple[str, dict[str, Any]]] = []
        for dkey, ns, fp in list(self._keys(namespace)):
            try:
                envelope = self.get_envelope(fp, ns)
            except CorruptEntry:
                continue  # corrupt entries are only removed by a repair; verify() reports them
            if envelope is not None and (cutoff is None or _parse_time(envelope["created_at"]) < cutoff):
                doomed.append((dkey, envelope))
        if doomed and backup is not None:
            backup([envelope for _, envelope in doomed])
        return sum(bool(self._cache.delete(dkey, retry=True)) for dkey, _ in doomed)

    def close(self) -> None:
        """Close this thread's database connection (the store reopens on next use)."""
        self._cache.close()

    def __enter__(self) -> CacheStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CacheStore({str(self.path)!r})"
