"""Is the cache's index (`cache.db`) whole? Judged from its size and SQLite header alone.

Why a module of its own: every `CacheStore` open asks it (an empty or cut index would silently
forget every recording), and `cache.repair` reports it; it needs nothing but the file.
"""

from __future__ import annotations

import time
from pathlib import Path

DB = "cache.db"
HEADER = b"SQLite format 3\x00"


def index_problem(directory: Path) -> str | None:
    """What is wrong with `cache.db` judged from its size and header alone (cheap: read at every open).

    Empty (0 bytes), not a SQLite file, or shorter than the page count its header states (truncated).
    A concurrent first open or checkpoint can show these for an instant, so a problem is confirmed
    after a short wait before it is reported."""
    path = Path(directory) / DB
    for attempt in range(4):
        problem = _header_problem(path)
        if problem is None:
            return None
        if attempt < 3:
            time.sleep(0.05 * (attempt + 1))
    return problem


def _header_problem(path: Path) -> str | None:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            header = fh.read(100)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"index {path} cannot be read: {exc.strerror or exc}"
    if size == 0:
        return f"index {path} is empty (0 bytes): its entries are lost to it"
    if len(header) < 100 or not header.startswith(HEADER):
        return f"index {path} is not a SQLite database (damaged header)"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    # the page count is trusted only when "version-valid-for" equals the change counter (SQLite's rule)
    pages = int.from_bytes(header[28:32], "big") if header[92:96] == header[24:28] else 0
    if pages and size < pages * page_size:
        return f"index {path} is truncated ({size} of {pages * page_size} bytes)"
    return None
