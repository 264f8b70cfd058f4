"""Damage beyond one bad entry, found (`inspect`) and repaired without losing a readable recording.

What a cache directory holds (diskcache's format): `cache.db`, a SQLite index with one row per
entry (key, mode, and either the value inline or the relative name of a value file), and value
files `xx/yy/<hex>.val` for values of 32 KiB or more. A value file holds exactly the stored bytes:
here, one JSON envelope, which names its own namespace and fingerprint and carries a checksum. So
an intact value file is a complete recording even when the index lost its row.

Why a module of its own: `CacheStore.verify` checks the entries the index knows; this also checks
the index itself (empty, truncated, failing SQLite's integrity check) and the value files it does not
know, and `repair` rebuilds from everything readable: the index's good rows (or the rows still
readable in a damaged index), intact value files, and cassettes the user names. Nothing readable
is deleted: before any change, every readable recording is exported to a cassette next to the
cache (`<dir>.backup-<time>.jsonl`); what cannot be read (a damaged index, files that are no
recording, entries whose bytes do not verify) is moved to `<dir>.lost+found/<time>/`.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmhpo.cache.atomic import write_text_atomic
from llmhpo.cache.cassette import parse_line, read_lines
from llmhpo.cache.errors import CacheError, CorruptEntry
from llmhpo.cache.index_header import DB, index_problem
from llmhpo.cache.key import canonical_json

if TYPE_CHECKING:
    from llmhpo.cache.store import CacheStore


def value_files(directory: Path) -> list[Path]:
    """Every file under `directory` but the index (value files `xx/yy/<hex>.val`, and strays), in name order."""
    top = Path(directory)
    return sorted(p for p in top.rglob("*") if p.is_file() and not (p.parent == top and p.name.startswith(DB)))


def read_value_file(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(envelope, None) when `path` holds an intact recording, else (None, why not)."""
    from llmhpo.cache.store import decode_envelope, envelope_problem

    try:
        data = path.read_bytes()
        envelope = decode_envelope(data, str(path))
    except (OSError, CorruptEntry) as exc:
        return None, str(exc)
    problem = envelope_problem(envelope, checksum_verified=True, check_key=True)
    return (None, f"{path}: {problem}") if problem else (envelope, None)


def _open_index(directory: Path) -> Any:
    """A read-only SQLite connection to the index (never creates one)."""
    uri = f"file:{Path(directory, DB).resolve()}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=30)


def _indexed_files(directory: Path) -> set[str]:
    with _open_index(directory) as con:
        return {str(Path(directory, name)) for (name,) in con.execute("SELECT filename FROM Cache WHERE filename IS NOT NULL")}


def _salvage_rows(directory: Path) -> tuple[list[dict[str, Any]], int]:
    """Envelopes still readable in a damaged index (row by row, else by scanning its bytes), and how
    many rows SQLite could not read."""
    from llmhpo.cache.store import decode_envelope

    found: list[dict[str, Any]] = []
    lost = 0
    try:
        con = _open_index(directory)
        rowids = [r for (r,) in con.execute("SELECT rowid FROM Cache")]
    except sqlite3.Error:
        return _scan_bytes(directory), 0
    for rowid in rowids:
        try:
            (mode, name, value), = con.execute("SELECT mode, filename, value FROM Cache WHERE rowid = ?", (rowid,))
            data = Path(directory, name).read_bytes() if name else value
            found.append(decode_envelope(bytes(data), f"row {rowid}"))
        except (sqlite3.Error, OSError, ValueError, CorruptEntry):
            lost += 1
    con.close()
    return (found + _scan_bytes(directory) if lost else found), lost


def _scan_bytes(directory: Path) -> list[dict[str, Any]]:
    """Envelopes found in the raw bytes of the index and its WAL, wherever SQLite can no longer reach
    them (a lost interior page hides every row below it). Safe because an envelope verifies itself:
    canonical JSON starts with its checksum, and only bytes that match it are taken. A value split
    over SQLite overflow pages (over about one page) is not found this way."""
    from llmhpo.cache.store import decode_envelope

    found = []
    decoder = json.JSONDecoder()
    for name in (DB, f"{DB}-wal"):
        try:
            data = Path(directory, name).read_bytes()
        except OSError:
            continue
        start = data.find(b'{"checksum":"')
        while start >= 0:
            try:
                text = data[start:start + 2**16].decode("utf-8", "ignore")
                _, length = decoder.raw_decode(text)
                found.append(decode_envelope(text[:length].encode("utf-8"), f"{name} at byte {start}"))
            except (ValueError, CorruptEntry):
                pass
            start = data.find(b'{"checksum":"', start + 1)
    return found


def inspect(directory: Path) -> list[str]:
    """Every problem of a cache directory: its index, its entries, and recordings the index lost."""
    from llmhpo.cache.store import CacheStore

    directory = Path(directory)
    problems: list[str] = []
    known: set[str] = set()
    has_index = (directory / DB).is_file()
    problem = index_problem(directory) if has_index else None
    if not has_index and value_files(directory):
        problem = f"index {directory / DB} is missing"
    store_problems: list[str] = []
    if problem is None and has_index:
        try:
            with CacheStore(directory) as store:
                store_problems = store.verify()
            known = _indexed_files(directory)
        except (CacheError, sqlite3.Error) as exc:
            problem = f"index {directory / DB} is damaged: {' '.join(str(exc).split())}"
    if problem:
        problems.append(problem)
        known = set()
    problems.extend(p for p in store_problems if not p.startswith("storage: unknown file"))
    for path in value_files(directory):
        if str(path) in known:
            continue
        envelope, why = read_value_file(path)
        if envelope is not None:
            problems.append(f"lost recording: {path} holds {envelope['namespace']}/{envelope['fingerprint']}, "
                            "which the index does not know")
        else:
            problems.append(f"unknown file: {path} is not an intact recording ({why})")
    return problems


@dataclass
class Repair:
    """What `repair` did; `backup` and `lost_found` are None when nothing needed changing."""

    kept: int = 0  # entries of the index that verify, left as they were
    removed: int = 0  # index entries that did not verify, removed (their bytes kept in lost+found)
    restored: int = 0  # recordings written back: lost value files, salvaged rows, cassettes
    quarantined: list[str] = field(default_factory=list)  # what was moved to lost+found, and why
    backup: Path | None = None
    lost_found: Path | None = None

    def lines(self) -> list[str]:
        out = [f"kept {self.kept} entries, restored {self.restored}, removed {self.removed} unreadable entries "
               f"from the index, moved {len(self.quarantined)} unreadable item(s) aside"]
        if self.backup:
            out.append(f"backup of every readable recording (before any change): {self.backup}")
        if self.lost_found and self.quarantined:
            out.append(f"unreadable items: {self.lost_found}")
        return out


def repair(directory: Path, cassettes: tuple[Path, ...] = ()) -> Repair:
    """Rebuild a cache from everything readable; never removes a readable recording (see module doc)."""
    from llmhpo.cache.store import CacheStore

    directory = Path(directory)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    lost_found = directory.parent / f"{directory.name}.lost+found" / stamp
    report = Repair(lost_found=lost_found)
    has_index = (directory / DB).is_file()
    index_bad = (index_problem(directory) if has_index else None) is not None
    good: dict[tuple[str, str], dict[str, Any]] = {}  # entries the index holds that verify
    bad_keys: list[tuple[str, str, str]] = []  # (namespace, fingerprint, why) of index rows that do not
    known: set[str] = set()
    if has_index and not index_bad:
        try:
            good, bad_keys = _index_entries(directory)
            known = _indexed_files(directory)
        except (CacheError, sqlite3.Error):
            index_bad = True
    recovered: dict[tuple[str, str], dict[str, Any]] = {}  # readable recordings the index does not serve
    if index_bad:
        rows, unread = _salvage_rows(directory)
        for envelope in rows:
            recovered.setdefault((envelope["namespace"], envelope["fingerprint"]), envelope)
        if unread:
            report.quarantined.append(f"{unread} row(s) of the damaged index could not be read")
    unreadable: list[Path] = []
    intact: list[Path] = []
    for path in value_files(directory):
        if str(path) in known:
            continue
        envelope, why = read_value_file(path)
        if envelope is None:
            report.quarantined.append(f"{path.relative_to(directory)}: {why}")
            unreadable.append(path)
        else:
            recovered.setdefault((envelope["namespace"], envelope["fingerprint"]), envelope)
            intact.append(path)
    for cassette in cassettes:
        for number, line in read_lines(cassette):
            envelope, why = parse_line(line)
            if envelope is None:
                raise CorruptEntry(f"cassette {cassette} line {number}: {why}; nothing was changed")
            recovered.setdefault((envelope["namespace"], envelope["fingerprint"]), envelope)
    recovered = {k: e for k, e in recovered.items() if k not in good}
    report.kept = len(good)
    if not (index_bad or bad_keys or unreadable or intact or recovered):
        return Repair(kept=len(good))
    report.backup = backup(directory, [*good.values(), *recovered.values()], "backup", stamp)
    lost_found.mkdir(parents=True, exist_ok=True)
    if index_bad:
        for name in (DB, f"{DB}-wal", f"{DB}-shm"):
            if (directory / name).exists():
                shutil.move(str(directory / name), str(lost_found / name))
        report.quarantined.append(f"{DB}: damaged index")
    for path in unreadable:
        _move_aside(path, directory, lost_found)
    with CacheStore(directory) as store:
        for ns, fp, why in bad_keys:
            _quarantine_entry(store, ns, fp, why, lost_found, report)
        for envelope in recovered.values():
            store.put_envelope(envelope)
            report.restored += 1
        for path in intact:  # its recording now reads back from the store (and is in the backup)
            envelope, _ = read_value_file(path)
            stored = envelope and store.get_envelope(envelope["fingerprint"], envelope["namespace"])
            if stored and stored["checksum"] == envelope["checksum"]:
                path.unlink()
            else:
                _move_aside(path, directory, lost_found)
        for folder, _, _ in sorted(os.walk(directory), key=lambda w: -len(w[0])):  # deepest first
            if folder != str(directory) and not os.listdir(folder):
                os.rmdir(folder)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            store.check_storage(fix=True)  # counters and sizes (every stray is moved or re-indexed)
    return report


def _move_aside(path: Path, directory: Path, lost_found: Path) -> None:
    target = lost_found / path.relative_to(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), str(target))


def _index_entries(directory: Path) -> tuple[dict[tuple[str, str], dict[str, Any]], list[tuple[str, str, str]]]:
    from llmhpo.cache.store import CacheStore, envelope_problem

    good: dict[tuple[str, str], dict[str, Any]] = {}
    bad: list[tuple[str, str, str]] = []
    with CacheStore(directory) as store:
        for _, ns, fp in store.raw_keys():
            try:
                envelope = store.get_envelope(fp, ns)
            except CorruptEntry as exc:
                bad.append((ns, fp, str(exc)))
                continue
            if envelope is None:
                continue
            problem = envelope_problem(envelope, checksum_verified=True, check_key=True)
            if problem:
                bad.append((ns, fp, problem))
            else:
                good[(ns, fp)] = envelope
    return good, bad


def _quarantine_entry(store: CacheStore, ns: str, fp: str, why: str, lost_found: Path, report: Repair) -> None:
    """Remove an index row that does not verify, keeping whatever bytes it still has in lost+found."""
    dkey = f"{ns}/{fp}"
    try:
        data = store.raw_get(dkey)
    except (CorruptEntry, OSError):
        data = None
    if isinstance(data, bytes | str):
        name = lost_found / "entries" / f"{ns}-{fp[:64]}.json"
        name.parent.mkdir(parents=True, exist_ok=True)
        name.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    report.removed += store.raw_delete(dkey)
    report.quarantined.append(f"{dkey}: {' '.join(why.split())}")


def backup(directory: Path, envelopes: list[dict[str, Any]], kind: str = "backup", stamp: str | None = None) -> Path:
    """`envelopes` as a cassette next to the cache (`<dir>.<kind>-<time>.jsonl`), written before a change."""
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = Path(directory).parent / f"{Path(directory).name}.{kind}-{stamp}.jsonl"
    ordered = sorted(envelopes, key=lambda e: (e["namespace"], e["fingerprint"]))
    try:
        write_text_atomic(path, "".join(canonical_json(e) + "\n" for e in ordered))
    except OSError as exc:
        raise CacheError(f"cannot write the backup {path} (nothing was changed): {exc.strerror or exc}") from None
    return path
