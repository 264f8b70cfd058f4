"""ARCHITECTURE.md is the source of truth, so it must stay true: every module its package tree names
exists, and every top-level module and sub-package of cache/, gateway/ and harness/ is named."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("cache", "gateway", "harness")
ENTRY = re.compile(r"^  (?P<names>[\w.]+(?:, [\w.]+)*/?)\s")  # "  store.py  ..." or "  spec.py, names.py ..."


def named_in_tree() -> dict[str, set[str]]:
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    tree = text.split("## Packages", 1)[1].split("```")[1]
    named: dict[str, set[str]] = {}
    package = None
    for line in tree.splitlines():
        top = re.match(r"^(\w+)/\s", line + " ")
        if top:
            package = top.group(1)
            named[package] = set()
            continue
        entry = ENTRY.match(line)
        if entry and package:
            named[package].update(name.strip() for name in entry.group("names").split(","))
    return named


def test_every_named_module_exists():
    named = named_in_tree()
    assert set(named) == set(PACKAGES)
    missing = [f"{pkg}/{name}" for pkg, names in named.items() for name in names if not (REPO / pkg / name).exists()]
    assert not missing, f"ARCHITECTURE.md names modules that do not exist: {missing}"


def test_every_module_is_named():
    named = named_in_tree()
    unnamed = []
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).iterdir()):
            if path.name.startswith(("_", ".")) or (path.is_file() and path.suffix != ".py"):
                continue
            name = path.name + "/" if path.is_dir() else path.name
            if name not in named[pkg]:
                unnamed.append(f"{pkg}/{name}")
    assert not unnamed, f"modules missing from ARCHITECTURE.md's package tree: {unnamed}"
