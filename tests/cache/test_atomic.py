"""llmhpo.cache.atomic: a replaced file is either the old one or the new one, and no temporary file stays."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from llmhpo.cache.atomic import atomic_file, new_file_mode, write_text_atomic


def test_writes_utf8_with_unix_line_ends_and_creates_the_directory(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "file.jsonl"
    write_text_atomic(target, "α line\nβ line\n")
    assert target.read_bytes() == "α line\nβ line\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == new_file_mode()  # like open(), not mkstemp's private 0600
    assert os.listdir(target.parent) == ["file.jsonl"]


UNDER_UMASK = """
import os, stat, sys
from pathlib import Path
os.umask(int(sys.argv[2], 8))
from llmhpo.cache.atomic import write_text_atomic
write_text_atomic(Path(sys.argv[1]), "x")
print(oct(stat.S_IMODE(Path(sys.argv[1]).stat().st_mode)))
"""


@pytest.mark.parametrize(("umask", "mode"), [("077", "0o600"), ("022", "0o644"), ("002", "0o664")])
def test_a_new_file_follows_the_umask_like_open_would(tmp_path: Path, umask: str, mode: str) -> None:
    out = subprocess.run([sys.executable, "-c", UNDER_UMASK, str(tmp_path / "f.jsonl"), umask], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == mode


def test_a_failure_inside_the_block_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "cassette.jsonl"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    with pytest.raises(ValueError, match="checksum"), atomic_file(target, binary=True) as out:
        out.write(b"half of the new con")
        raise ValueError("checksum mismatch")
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["cassette.jsonl"]
    write_text_atomic(target, "new\n")
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == 0o640  # mode kept


def test_an_unwritable_place_raises_oserror_and_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(OSError):
        write_text_atomic(blocker / "file.txt", "data")
    with pytest.raises(OSError):
        write_text_atomic(tmp_path, "a directory cannot be replaced by a file")
    assert sorted(os.listdir(tmp_path)) == ["not-a-dir"]
