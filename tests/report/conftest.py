"""Shared fixture: the synthetic campaign's report, built once per session (figures take a second)."""

from __future__ import annotations

from pathlib import Path

import pytest
import report_synthetic as syn

from llmhpo.harness.report import build_report


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of the hand-made synthetic campaign (tests/report/report_synthetic.py)."""
    return build_report(syn.write_results(tmp_path_factory.mktemp("results")))
