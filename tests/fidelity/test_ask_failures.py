"""`llmhpo ask` against a server that is down or refuses: one clear line on stderr, exit code 2."""

from __future__ import annotations

import socket

import pytest

from llmhpo.harness.cli import main


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on exit: nothing listens there


@pytest.mark.slow  # the gateway's retries with backoff run their course first (a few seconds)
def test_ask_a_server_that_is_down(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    argv = ["ask", "-m", "openai/gpt-4o", "--api-base", f"http://127.0.0.1:{_dead_port()}/v1", "--timeout", "2",
            "--cache", str(tmp_path / "c"), "hi"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("llmhpo: error: openai/gpt-4o failed after")
    assert "Traceback" not in captured.err and captured.out == ""


def test_ask_a_server_that_refuses(fresh_servers, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    argv = ["ask", "-m", "openai/gpt-5-nonexistent", "--api-base", fresh_servers["openai"].url,
            "--cache", str(tmp_path / "c"), "hi"]
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "unknown model 'openai/gpt-5-nonexistent' (HTTP 404" in lines[0]
    assert "does not exist or you do not have access to it" in lines[0]
    assert len(fresh_servers["openai"].received) == 1
