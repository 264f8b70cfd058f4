"""The process pool's temporary folder: named after its owner's pid, swept when the owner is dead.

Why: multiprocessing keeps the forkserver's listener socket in a folder `pymp-<random>` in the
temporary directory and removes it at a normal exit only; every SIGKILL of a driver used to leave
one behind (53 after a session of kills). Before it starts a pool, the driver names that folder
itself, `llmhpo-mp-p<pid>-<random>` (the same multiprocessing hook, `get_temp_dir`, and the
same clean-up at exit), so the next run can tell a dead owner's folder from a live one and remove
it, as harness/optimizers/smac_bo.py does for SMAC's folders. `pymp-*` folders left before this
existed are removed too when they are plainly dead: older than `STALE_S`, holding nothing but
socket files, none of which a live process still listens on (Linux's /proc/net/unix).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path

PREFIX = "llmhpo-mp-"
OWNED = re.compile(re.escape(PREFIX) + r"p(\d+)-[^-]+")  # <prefix>p<pid>-<random>
STALE_S = 600.0  # a pymp-* folder untouched this long, with only unbound sockets, is a killed run's


SOCKET_PATH_MAX = 100  # bytes of a Unix socket path (sun_path is 108 on Linux, 104 on macOS)


def own_temp_dir() -> Path | None:
    """This process's multiprocessing temporary folder, created pid-named if it has none yet.

    None (multiprocessing's own `pymp-*` then) when the temporary directory's path is so long that
    the longer name would not leave room for the listener socket's path."""
    from multiprocessing import process, util

    config = process.current_process()._config  # the one place multiprocessing.util.get_temp_dir looks
    longest = len(os.fsencode(tempfile.gettempdir())) + len(f"/{PREFIX}p{os.getpid()}-12345678/listener-12345678")
    if config.get("tempdir") is None and longest > SOCKET_PATH_MAX:
        return None
    if config.get("tempdir") is None:
        path = tempfile.mkdtemp(prefix=f"{PREFIX}p{os.getpid()}-")
        util.Finalize(None, util._remove_temp_dir, args=(shutil.rmtree, path), exitpriority=-100)
        config["tempdir"] = path
    return Path(config["tempdir"])


def sweep(root: Path | None = None, *, now: float | None = None) -> list[Path]:
    """Remove pool folders of dead drivers under `root` (default: the temporary directory); returns them."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for path in root.glob(f"{PREFIX}p*-*"):
        owner = OWNED.fullmatch(path.name)
        if owner and int(owner.group(1)) != os.getpid() and not _alive(int(owner.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    bound = _bound_sockets()
    if bound is not None:
        for path in root.glob("pymp-*"):
            if _dead_pymp(path, bound, now if now is not None else time.time()):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _bound_sockets() -> set[str] | None:
    """Paths of the Unix sockets live processes hold, or None where that cannot be known."""
    try:
        lines = Path("/proc/net/unix").read_text(encoding="utf-8", errors="replace").splitlines()[1:]
    except OSError:
        return None
    return {parts[-1] for parts in (line.split() for line in lines) if len(parts) >= 8}


def _dead_pymp(path: Path, bound: set[str], now: float) -> bool:
    try:
        info = path.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or now - info.st_mtime < STALE_S:
            return False
        entries = list(path.iterdir())
        return bool(entries) and all(stat.S_ISSOCK(e.lstat().st_mode) and str(e) not in bound for e in entries)
    except OSError:
        return False
