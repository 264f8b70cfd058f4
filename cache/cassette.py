"""JSONL cassettes: a reviewable, diff-friendly copy of cache entries for CI and sharing.

One verified envelope per line (canonical JSON), sorted by (namespace, fingerprint), so two
exports of the same entries are byte-identical and a code review shows exactly which replies
changed. Envelopes hold images as hashes only; `verify_cassette` also flags anything that looks
like inline image data or an API key, since cassettes are meant to be committed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmhpo.cache.atomic import write_text_atomic
from llmhpo.cache.errors import CacheError, CorruptEntry
from llmhpo.cache.key import canonical_json

if TYPE_CHECKING:
    from llmhpo.cache.store import CacheStore

# Shapes of common provider keys (OpenAI/Anthropic "sk-...", Google "AIza...", bearer tokens).
_SECRET_RE = re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}|\bAIza[0-9A-Za-z_\-]{30,}|Bearer\s+[A-Za-z0-9._\-]{16,}")
_INLINE_IMAGE_RE = re.compile(r"data:image/[a-z0-9.+-]+;base64,", re.IGNORECASE)


def export_cassette(store: CacheStore, path: str | Path, namespace: str | None = None) -> int:
    """Write the store's entries (one namespace or all) to `path`; returns the number written.

    Written to a temporary file and renamed, so a failed export never leaves half a cassette.
    A corrupt entry aborts the export with CorruptEntry naming it.
    """
    envelopes = sorted(store.entries(namespace), key=lambda e: (e["namespace"], e["fingerprint"]))
    lines = [canonical_json(e) + "\n" for e in envelopes]
    for number, line in enumerate(lines, start=1):
        problem = _line_hazard(line)
        if problem:
            raise CacheError(f"refusing to export entry {envelopes[number - 1]['fingerprint']}: {problem}")
    target = Path(path)
    if target.is_dir():
        raise CacheError(f"cannot write cassette {target}: it is a directory; name a file such as {target / 'rec.jsonl'}")
    try:
        write_text_atomic(target, "".join(lines))
    except OSError as exc:
        raise CacheError(f"cannot write cassette {target}: {exc.strerror or exc}") from None
    return len(lines)


def read_lines(path: str | Path) -> list[tuple[int, str]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CacheError(f"cassette {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CacheError(f"cannot read cassette {path}: {exc}") from None
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _line_hazard(line: str) -> str | None:
    if _INLINE_IMAGE_RE.search(line):
        return "contains inline image data (cassettes keep images as hashes)"
    if _SECRET_RE.search(line):
        return "contains something that looks like an API key"
    return None


def parse_line(line: str) -> tuple[dict[str, Any] | None, str | None]:
    from llmhpo.cache.store import envelope_problem

    try:
        envelope = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc})"
    problem = envelope_problem(envelope, check_key=True) or _line_hazard(line)
    return (None, problem) if problem else (envelope, None)


def verify_cassette(path: str | Path) -> list[str]:
    """Every problem in a cassette: bad JSON, checksum, field, order, duplicate, secret or image data."""
    problems: list[str] = []
    previous: tuple[str, str] | None = None
    for number, line in read_lines(path):
        envelope, problem = parse_line(line)
        if envelope is None:
            problems.append(f"{path}:{number}: {problem}")
            continue
        sort_key = (envelope["namespace"], envelope["fingerprint"])
        if previous is not None and sort_key == previous:
            problems.append(f"{path}:{number}: duplicate entry {sort_key[0]}/{sort_key[1]}")
        elif previous is not None and sort_key < previous:
            problems.append(f"{path}:{number}: entries are not sorted by (namespace, fingerprint)")
        previous = sort_key
    return problems


def import_cassette(store: CacheStore, path: str | Path,
                    backup: Callable[[list[dict[str, Any]]], Any] | None = None) -> int:
    """Load a cassette into `store` (overwriting equal keys); returns the number of entries.

    All-or-nothing: every line is verified first and the first bad line is refused with its
    line number, so a damaged cassette never half-populates a cache.
    """
    envelopes = []
    for number, line in read_lines(path):
        envelope, problem = parse_line(line)
        if envelope is None:
            raise CorruptEntry(f"cassette {path} line {number}: {problem}; nothing was imported")
        envelopes.append(envelope)
    if backup is not None:  # the entries this import replaces with different content, saved first
        replaced = []
        for envelope in envelopes:
            try:
                old = store.get_envelope(envelope["fingerprint"], envelope["namespace"])
            except CorruptEntry:
                continue  # unreadable: `cache repair` keeps its bytes; nothing readable is lost here
            if old is not None and old["checksum"] != envelope["checksum"]:
                replaced.append(old)
        if replaced:
            backup(replaced)
    for envelope in envelopes:
        store.put_envelope(envelope)
    return len(envelopes)
