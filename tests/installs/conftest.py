"""The sdist and wheel built once per session (`python -m build`: the sdist first, then the wheel from
the sdist, as an installer would), and a fresh virtual environment with that wheel installed.

The fresh environment downloads nothing: a `.pth` line adds this interpreter's site-packages after
its own, so llmhpo's dependencies come from here while llmhpo itself is the wheel's copy (its
site-packages comes first; the test checks where each import comes from).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The xdist group of the tests using `dists` or `fresh_venv` (the test command's --dist loadgroup).
DISTS_GROUP = "dists"


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path


@dataclass(frozen=True)
class FreshVenv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def site_packages(self) -> Path:
        return self.root / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"

    def script(self, name: str) -> Path:
        return self.root / "bin" / name


def dependency_dirs() -> list[str]:
    """This interpreter's site-packages folders (its own and those a .pth line added, as in a worktree
    venv), computed now: the paths differ from machine to machine."""
    return [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()]


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = out.glob("llmhpo-*.tar.gz")
    (wheel,) = out.glob("llmhpo-*.whl")
    return Dists(sdist, wheel)


@pytest.fixture(scope="session")
def fresh_venv(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    venv = FreshVenv(tmp_path_factory.mktemp("fresh") / "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv.root)], check=True, timeout=120)
    (venv.site_packages / "zz_dependencies.pth").write_text("\n".join(dependency_dirs()) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv.python), "install", "--no-deps",
                           "--no-index", "--disable-pip-version-check", str(dists.wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return venv
