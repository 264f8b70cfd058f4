"""What users install: pyproject.toml maps the top-level folders under the one import name `llmhpo`,
its package list names every package folder (or a wheel silently ships without it: an editable
install would not notice), and the sdist and the wheel `python -m build` makes hold the code, the
package data read at run time and complete metadata. A fresh virtual environment with the wheel runs
the CLI and a one-trial campaign offline."""

from __future__ import annotations

import json
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.installs.conftest import DISTS_GROUP, REPO, Dists, FreshVenv
from tests.installs.projects import run

# One worker under pytest-xdist runs every test of the built dists (DISTS_GROUP): `python -m build` writes
# into the repository (llmhpo.egg-info), so two builds at once would collide.
pytestmark = pytest.mark.xdist_group(DISTS_GROUP)

FOLDERS = ("cache", "gateway", "harness")
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _shipped_files() -> dict[str, Path]:
    """Every file of the package folders that a wheel must hold, by its path inside the wheel: the code,
    and the data read at run time (CSV datasets, their licences and provenance, DEVIATIONS.md, demo.toml;
    hpobench/worker.py and space_json.py are run or loaded by path)."""
    files = {}
    for top in ("llmhpo", *FOLDERS):
        for path in (REPO / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                inside = path.relative_to(REPO / top).as_posix()
                files["llmhpo/" + inside if top == "llmhpo" else f"llmhpo/{top}/{inside}"] = path
    return files


def test_every_package_folder_is_listed_under_llmhpo() -> None:
    folders = {
        f"llmhpo.{init.parent.relative_to(REPO).as_posix().replace('/', '.')}"
        for top in FOLDERS
        for init in (REPO / top).rglob("__init__.py")
    }
    assert set(SETUPTOOLS["packages"]) == folders | {"llmhpo"}
    assert SETUPTOOLS["package-dir"] == {"llmhpo": "llmhpo", "llmhpo.cache": "cache", "llmhpo.gateway": "gateway",
                                         "llmhpo.harness": "harness"}


@pytest.mark.slow
def test_the_wheel_holds_llmhpo_only_with_its_code_data_and_metadata(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as wheel:
        names = set(wheel.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(wheel.read(info).decode("utf-8"))
        entry_points = wheel.read(info.replace("METADATA", "entry_points.txt")).decode("utf-8")
    assert {n.split("/")[0] for n in names} == {"llmhpo", info.split("/")[0]}  # no generic top-level name
    expected = _shipped_files()
    assert not set(expected) - names, f"missing from the wheel: {sorted(set(expected) - names)}"
    extra = {n for n in names if n.startswith("llmhpo/")} - set(expected)
    assert not extra, f"in the wheel but not in the package folders: {sorted(extra)}"

    assert metadata["Name"] == "llmhpo" and metadata["Version"] == PYPROJECT["project"]["version"]
    assert metadata["License-Expression"] == "Apache-2.0"
    assert f"{info.split('/')[0]}/licenses/LICENSE" in names
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().strip() == (REPO / "README.md").read_text(encoding="utf-8").strip()
    classifiers = metadata.get_all("Classifier")
    assert "Programming Language :: Python :: 3.11" in classifiers and "Framework :: Pytest" in classifiers
    assert set(metadata.get_all("Provides-Extra")) == set(PYPROJECT["project"]["optional-dependencies"])
    assert "llmhpo = llmhpo.harness.cli:main" in entry_points
    assert "llmhpo = llmhpo.gateway.pytest_plugin" in entry_points


@pytest.mark.slow
def test_the_sdist_holds_what_builds_the_wheel_and_no_tests(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for path in _shipped_files().values():
        assert path.relative_to(REPO).as_posix() in names
    assert {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO"} <= names
    # The tests need the repository (cassettes, test servers, examples, docs): they stay there.
    assert not any(n == "tests" or n.startswith("tests/") for n in names)


@pytest.mark.slow
def test_the_installed_wheel_runs_the_cli_and_a_campaign_offline(fresh_venv: FreshVenv, tmp_path) -> None:
    llmhpo = str(fresh_venv.script("llmhpo"))
    version = run(llmhpo, ["--version"], tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == f"llmhpo {PYPROJECT['project']['version']}"

    listed = run(llmhpo, ["benchmarks"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "toy/branin" in listed.stdout and "svm/credit-g" in listed.stdout

    # A bundled dataset, read through importlib.resources from the installed package.
    evaluated = run(llmhpo, ["eval", "svm/blood-transfusion", "--mode", "off"], tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "loss" in evaluated.stdout

    spec = tmp_path / "one.toml"
    spec.write_text('name = "one"\nbudget = 1\nseeds = 1\nbenchmarks = ["toy/branin"]\nbaseline_samples = 10\n\n'
                    '[[optimizers]]\nname = "random"\n', encoding="utf-8")
    campaign = run(llmhpo, ["run", str(spec), "--out", str(tmp_path / "out"), "--mode", "off", "--workers", "1"],
                   tmp_path)
    assert campaign.returncode == 0, campaign.stderr
    trials = [json.loads(line) for line in (tmp_path / "out" / "one" / "trials.jsonl").read_text().splitlines()]
    assert len(trials) == 1 and trials[0]["benchmark"] == "toy/branin"
    manifest = json.loads((tmp_path / "out" / "one" / "manifest.json").read_text())
    assert json.dumps(manifest).count(str(REPO)) == 0  # nothing of the checkout leaked in
    report = run(llmhpo, ["report", str(tmp_path / "out" / "one")], tmp_path)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "out" / "one" / "report" / "report.md").is_file()
