"""Writing a file so that a reader sees the old content or the new one, never half of either.

Why one helper: a kill or a full disk between open and close must not leave a torn cassette, model
file or manifest. The bytes go to a temporary file in the target's directory (so the final rename
stays on one file system), are flushed and fsynced, and only then renamed over the target; if
anything fails, including the caller's own check inside the block, the temporary file is removed
and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

CREATE_MODE = 0o666  # what open() asks for; the umask then takes its bits away, as for any new file


def new_file_mode() -> int:
    """The mode open() would give a new file in this process (mkstemp's is always 0600)."""
    try:  # Linux: read it without changing it (os.umask would, for every thread, for a moment)
        status = Path("/proc/self/status").read_text(encoding="ascii", errors="replace")
        umask = next(int(line.split()[1], 8) for line in status.splitlines() if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        umask = os.umask(0o022)
        os.umask(umask)
    return CREATE_MODE & ~umask


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO[Any]]:
    """An open temporary file that replaces `path` when the block ends without an exception.

    Text is UTF-8 with "\\n" line ends on every platform. The result keeps the permissions of the
    file it replaces, else the mode open() would give it (`new_file_mode`: the umask applies). OSError propagates (the caller words the message).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        text = {} if binary else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, "wb" if binary else "w", **text) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = new_file_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):  # only after a failure: a successful replace moved it
            os.unlink(tmp)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Replace the file at `path` by `text` (UTF-8) atomically; see the module docstring."""
    with atomic_file(path) as out:
        out.write(text)
