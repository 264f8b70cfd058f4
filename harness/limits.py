"""Bounds of what a user may hand llmhpo: seeds, counts, names, paths and the spec file itself.

Why one module: each bound is checked where input is read (the spec, `eval --seed`, `--out`,
`--api-base`, `--dask`), and a bound written twice drifts. Every check raises `UserError` (CLI:
one line, exit 2) before anything is created.

Seeds: 0 <= seed < 2**31. What the parts accept: scikit-learn's `random_state`, numpy's
`RandomState` (skopt, optuna, ConfigSpace) and xgboost take [0, 2**32); SMAC is given the seed
modulo 2**31 and reads -1 as "pick one at random"; llama.cpp reads 2**32 - 1 as "random". Below
2**31 every seed is used as written by every part, and the derived streams (`[seed, stream id]`
of numpy's SeedSequence, `seed % 2**32`) stay distinct.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from llmhpo.harness.errors import UserError

SEED_LIMIT = 2**31  # seeds are 0 <= seed < SEED_LIMIT
MAX_SEEDS = 1_000  # seeds per campaign, unless --allow-large (each seed is a run per task x optimizer)
MAX_RUNS = 100_000  # runs per campaign (benchmarks x optimizers x budgets x seeds), unless --allow-large
HARD_MAX_RUNS = 2_000_000  # not even --allow-large: the run list alone would not fit in memory
MAX_NAME = 128  # characters of a campaign name or an optimizer label (run ids and file names derive from them)
NAME_MAX_BYTES = 255  # bytes of one path component on common file systems (ext4, xfs, btrfs, APFS, NTFS)
RUN_ID_MAX = 239  # a longer run id is shortened with a hash (its transcript's temporary file must fit 255 bytes)
MAX_SPEC_BYTES = 1_000_000  # a spec file larger than this is refused before it is parsed
MAX_SPEC_DEPTH = 64  # nesting of tables/arrays in a spec


def seed_problem(value: Any) -> str | None:
    """Why `value` is not a usable seed (None when it is)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return f"a seed must be an integer (got {value!r})"
    if not 0 <= value < SEED_LIMIT:
        return f"a seed must be in [0, 2**31 - 1 = {SEED_LIMIT - 1}] (got {value})"
    return None


def check_seed(value: Any, what: str = "--seed") -> int:
    problem = seed_problem(value)
    if problem:
        raise UserError(f"{what}: {problem}")
    return value


def name_problem(text: str, what: str) -> str | None:
    """A campaign name or label too long for the file names derived from it."""
    if len(text) > MAX_NAME:
        return f"{what} is {len(text)} characters long; at most {MAX_NAME} (file names are derived from it)"
    return None


def check_path(path: Path, what: str) -> None:
    """Refuse a path no file system can hold: NUL bytes, a component over 255 bytes, over PATH_MAX."""
    text = str(path)
    if "\x00" in text:
        raise UserError(f"{what} {text!r} contains a NUL byte")
    if not text.strip():
        raise UserError(f"{what} is empty")
    try:
        encoded = os.fsencode(text)
    except UnicodeError:
        raise UserError(f"{what} {text!r} cannot be encoded for this file system") from None
    if len(encoded) >= 4096:
        raise UserError(f"{what} is {len(encoded)} bytes long; paths are limited to 4095 bytes")
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX_BYTES:
            raise UserError(f"{what}: the name {part[:40]!r}... is {size} bytes long; a file system allows "
                            f"{NAME_MAX_BYTES} per name")


def check_creatable(path: Path, what: str) -> None:
    """UserError now, before anything is created, if `path` cannot be a directory: a file in the way,
    a parent that is not writable (or a kernel file system such as /proc), a name too long (`limits`)."""
    check_path(path, what)
    path = Path(os.path.abspath(path))
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                raise UserError(f"{what} {path} cannot be created: {p} is a file, not a directory")
            if p != path and (not os.access(p, os.W_OK | os.X_OK) or _pseudo_fs(p)):
                raise UserError(f"{what} {path} cannot be created: {p} is not writable")
            return


def _pseudo_fs(path: Path) -> bool:
    """A kernel file system (/proc, /sys) where mkdir fails even for root, whom os.access lets through."""
    try:
        return os.statvfs(path).f_flag & os.ST_RDONLY != 0 or str(path.resolve()).split("/")[1:2] in (["proc"], ["sys"])
    except OSError:
        return False


def check_http_url(url: str, what: str = "--api-base") -> str:
    """An http(s) URL with a host and no credentials (user:password@ or a query string): the one rule of
    `--api-base` (ask, run, proxy's --upstream) and of a spec's `api_base`. Raises ValueError."""
    try:
        parts = urlsplit(url)
        port = parts.port  # a non-numeric port raises here
    except ValueError as exc:
        raise ValueError(f'{what} must be an http(s) URL like "http://127.0.0.1:8000/v1" ({exc}; got {url!r})') from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url) or "\x00" in url:
        raise ValueError(f'{what} must be an http(s) URL like "http://127.0.0.1:8000/v1" (got {url!r})')
    del port
    if parts.username or parts.password or parts.query:
        raise ValueError(f"{what} must not carry credentials (user:password@ or a query string); "
                         "name the variable holding the key in [model_settings] api_key_env")
    return url


def check_api_base(url: str | None) -> str | None:
    """`--api-base` of ask, run and proxy: UserError (one line, exit 2) when `check_http_url` refuses it."""
    if url is None:
        return None
    try:
        return check_http_url(url)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def dask_problem(address: str) -> str | None:
    """Why `address` is not "local" or a scheduler address like tcp://host:8786 (None when it is)."""
    if address == "local":
        return None
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        port, parts = None, None
    if parts is None or not parts.scheme or not parts.hostname or port is None:
        return f'expected "local" or a scheduler address like "tcp://host:8786" (got {address!r})'
    return None


def check_days(value: float | None, what: str) -> float | None:
    """A finite, non-negative number of days (`--older-than nan` is no age)."""
    if value is not None and (not math.isfinite(value) or value < 0):
        raise UserError(f"{what} must be a finite number of days >= 0 (got {value})")
    return value


def read_spec_text(path: Path) -> str:
    """A spec file's text: bounded in size and decoded as UTF-8, an error naming line and column."""
    check_path(path, "campaign spec")
    try:
        if path.is_dir():
            raise UserError(f"campaign spec {path} is a directory, not a file")
        with path.open("rb") as fh:  # read at most one byte too many: /dev/zero or a FIFO never ends
            data = fh.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise UserError(f"cannot read campaign spec {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_SPEC_BYTES:
        raise UserError(f"campaign spec {path} is larger than {MAX_SPEC_BYTES} bytes (is it the right file?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UserError(f"{path}:{line}:{column}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                        f"{exc.start})") from None


def check_depth(text: str, source: str) -> None:
    """Refuse a document nested deeper than MAX_SPEC_DEPTH before a recursive parser sees it.

    Counts brackets outside strings (JSON and TOML arrays/inline tables); a quoted bracket does not count."""
    depth, in_string, quote, escaped = 0, False, "", False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote or ch == "\n":
                in_string = False
        elif ch in "\"'":
            in_string, quote = True, ch
        elif ch in "[{":
            depth += 1
            if depth > MAX_SPEC_DEPTH:
                raise UserError(f"{source}: nested more than {MAX_SPEC_DEPTH} levels deep")
        elif ch in "]}":
            depth = max(0, depth - 1)


def parse_json_spec(text: str, source: str) -> Any:
    check_depth(text, source)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UserError(f"{source}: not valid JSON: {exc}") from None
    except RecursionError:
        raise UserError(f"{source}: nested too deeply") from None
