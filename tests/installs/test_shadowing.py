"""A user's `cache/`, `gateway/` or `harness/` folder never shadows llmhpo: in such a project
`python -m pytest` runs with the plugin, a script imports llmhpo and `python -m llmhpo` starts, for the
editable install (this interpreter) and for the installed wheel (a fresh virtual environment)."""

from __future__ import annotations

import sys

import pytest

from tests.installs.conftest import DISTS_GROUP, REPO, FreshVenv
from tests.installs.projects import check_project, make_project

# One worker under pytest-xdist runs every test of the built dists (DISTS_GROUP): `python -m build` writes
# into the repository (llmhpo.egg-info), so two builds at once would collide.
pytestmark = pytest.mark.xdist_group(DISTS_GROUP)


@pytest.mark.parametrize("packages", [True, False], ids=["with-init", "namespace-folders"])
def test_editable_install(tmp_path, packages):
    check_project(sys.executable, make_project(tmp_path / "project", packages=packages), REPO)


@pytest.mark.slow
@pytest.mark.parametrize("packages", [True, False], ids=["with-init", "namespace-folders"])
def test_installed_wheel(tmp_path, packages, fresh_venv: FreshVenv):
    check_project(fresh_venv.python, make_project(tmp_path / "project", packages=packages), fresh_venv.site_packages)
