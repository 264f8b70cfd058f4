"""Prompt facts about a dataset come from the CSV alone and equal the prepared splits' figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from llmhpo.harness.benchmarks.ml_data import DATASETS, dataset_facts, load_splits

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_facts_equal_the_splits(dataset):
    facts, splits = dataset_facts(dataset), load_splits(dataset)
    assert (facts.n_rows, facts.n_raw_features, facts.n_classes) == (splits.n_rows, splits.n_raw_features,
                                                                     splits.n_classes)


def test_describing_a_task_imports_neither_pandas_nor_sklearn():
    code = ("import sys; from llmhpo.harness.benchmarks import load; text = load('svm/credit-g').describe(); "
            "print('1000 samples' in text, sorted(m for m in ('pandas', 'sklearn', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin"}).stdout.strip()
    assert out == "True []"
