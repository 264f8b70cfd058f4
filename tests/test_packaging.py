"""pyproject.toml maps the top-level folders under the one import name `llmhpo`: its package list
must name every package folder, or a wheel silently ships without it (an editable install would not
notice)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_listed_under_llmhpo() -> None:
    mapping = _setuptools()["package-dir"]
    folders = {
        f"llmhpo.{init.parent.relative_to(ROOT).as_posix().replace('/', '.')}"
        for top in ("cache", "gateway", "harness")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert set(_setuptools()["packages"]) == folders | {"llmhpo"}
    assert mapping == {"llmhpo": "llmhpo", "llmhpo.cache": "cache", "llmhpo.gateway": "gateway",
                       "llmhpo.harness": "harness"}


def test_no_generic_top_level_name_is_importable_from_the_package_list() -> None:
    assert all(name == "llmhpo" or name.startswith("llmhpo.") for name in _setuptools()["packages"])
