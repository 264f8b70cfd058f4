"""`llmhpo serve`: a busy port fails fast with exit code 2; a real server answers the gateway's
litellm provider (`openai/<alias>` + api_base) over real HTTP on 127.0.0.1 (marker `model`)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmhpo.harness.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_busy_port_is_a_clear_error_before_loading(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        start = time.monotonic()
        assert main(["serve", "--port", str(port)]) == 2
    assert time.monotonic() - start < 5  # refused before any model is loaded
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_non_local_models_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--model", "openai/gpt-4o", "--port", "0"]) == 2
    assert "runs local models only" in capsys.readouterr().err


@pytest.mark.model
def test_gateway_gets_a_real_completion_over_http() -> None:
    from llmhpo.cache import Mode
    from llmhpo.gateway import Gateway, Message, Request

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmhpo.harness.cli", "serve", "--port", "0", "--alias", "smol-test"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    try:
        banner = ""
        deadline = time.monotonic() + 60
        while "api_base" not in banner and time.monotonic() < deadline and proc.poll() is None:
            banner += proc.stdout.readline()  # type: ignore[union-attr]
        match = re.search(r"model (openai/\S+)\s+api_base (http://127\.0\.0\.1:\d+/v1)", banner)
        assert match, f"no banner: {banner!r} {proc.stderr.read() if proc.poll() is not None else ''}"  # type: ignore[union-attr]
        model, api_base = match.groups()
        assert model == "openai/smol-test"
        with Gateway(mode=Mode.OFF, timeout_s=60, max_attempts=1) as gw:
            r = gw.complete(Request(model=model, api_base=api_base, max_tokens=8,
                                    messages=(Message.text("user", "Say hello."),)))
        assert r.text.strip() and r.usage.completion_tokens > 0 and r.model_served
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "stopped" in out
