"""`llmhpo ask` on the default embedded model, replayed from a recorded cassette (no model load).

Re-record with `LLMHPO_RECORD=1 pytest tests/gateway/test_ask_local.py` (runs the real model).
"""

from __future__ import annotations

import os

from llmhpo.harness.cli import main

RECORDING = os.environ.get("LLMHPO_RECORD", "").strip() not in ("", "0", "false", "no")


def test_ask_default_model(cassette_gateway, capsys):
    cache_dir = str(cassette_gateway.store.path)
    argv = [
        "ask",
        "--cache",
        cache_dir,
        "--mode",
        "live" if RECORDING else "replay",
        "--max-tokens",
        "16",
        "--seed",
        "0",
        "Name one hyperparameter of a support vector machine.",
    ]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.strip(), "the model replied with nothing"
    assert "model=smollm2-135m" in err and "cost=$0.000000" in err
    if not RECORDING:
        assert err.startswith("[cache hit]")
