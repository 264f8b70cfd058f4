"""The Protocols at the module seams (gateway.client.LLMClient, cache.modes.Store,
harness.campaign.executor.Executor, harness.benchmarks.base.Benchmark, and the two small ones of
gateway.endpoints and optimizers.patience) are satisfied by their implementations: mypy reads
tests/protocol_conformance.py, which assigns each implementation to its Protocol. A runtime
`isinstance` with `runtime_checkable` would only check that the names exist; mypy checks the
signatures too.

mypy is in the `test` extra (without it, the test is skipped). It reads the packages from a
tree of symbolic links shaped like the installed `llmhpo` (pyproject maps cache/, gateway/ and
harness/ under it; mypy does not follow the editable install's import hook)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BROKEN = '''
from llmhpo.gateway.client import LLMClient
from llmhpo.gateway.types import Request, Response


class NoFingerprint:
    def complete(self, request: Request, *, api_key: str | None = None) -> Response: ...
    def capabilities(self, model: str) -> None: ...


client: LLMClient = NoFingerprint()
'''


def _mypy(root: Path, source: Path) -> tuple[str, int]:
    api = pytest.importorskip("mypy.api")
    package = root / "llmhpo"
    package.mkdir(parents=True, exist_ok=True)
    for path in (REPO / "llmhpo").glob("*.py"):
        (package / path.name).symlink_to(path)
    for folder in ("cache", "gateway", "harness"):
        (package / folder).symlink_to(REPO / folder, target_is_directory=True)
    shutil.copy(source, root / source.name)
    out, err, status = api.run(["--cache-dir", str(root / ".mypy_cache"), "--ignore-missing-imports",
                                "--follow-imports=silent", "--python-version", "3.11", "--no-error-summary",
                                str(root / source.name)])
    return out + err, status


def test_every_implementation_satisfies_its_protocol(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report, status = _mypy(tmp_path, REPO / "tests" / "protocol_conformance.py")
    assert status == 0, report


def test_mypy_sees_a_class_that_does_not_satisfy_the_protocol(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    broken = tmp_path / "src" / "broken_client.py"
    broken.parent.mkdir()
    broken.write_text(BROKEN)
    report, status = _mypy(tmp_path / "tree", broken)
    assert status == 1 and "fingerprint" in report and "capabilities" in report, report
