"""`llmhpo ask` end to end against a real OpenAI-format server, bad input exits 2, and a replay
runs in a fresh process that never imports litellm."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from gateway_helpers import make_png

from llmhpo.harness.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    path = tmp_path / "plot.png"
    path.write_bytes(make_png(4, 3, 9))
    return path


def test_ask_live_then_cached(openai_server, tmp_path, png_file, monkeypatch, capsys):
    monkeypatch.setenv("LLMHPO_CAPABILITIES", '{"openai/test-model": {"images": true}}')
    argv = [
        "ask",
        "--model",
        "openai/test-model",
        "--api-base",
        openai_server.url,
        "--cache",
        str(tmp_path / "c"),
        "--image",
        str(png_file),
        "--system",
        "be brief",
        "--temperature",
        "0.3",
        "--seed",
        "4",
        "--max-tokens",
        "20",
        "What is plotted?",
    ]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "hello from the test server"
    assert err.startswith("[live] model=test-model tokens=11+7 cost=unknown would-have-cost=unknown")
    body = openai_server.received[0].body
    assert body["messages"][0] == {"role": "system", "content": "be brief"}
    assert body["messages"][1]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert (body["temperature"], body["seed"], body["max_tokens"]) == (0.3, 4, 20)

    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "hello from the test server"
    assert err.startswith("[cache hit]") and "cost=$0.000000" in err
    assert len(openai_server.received) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "--model", "acme/x", "hi"], "valid provider prefixes"),
        (["ask", "--model", "openai/gpt-4o", "hi"], "OPENAI_API_KEY"),
        (["ask", "--model", "anthropic/claude-3-5-sonnet-latest", "hi"], "ANTHROPIC_API_KEY"),
        (
            ["ask", "--model", "openai/gpt-4o", "--image", "/nonexistent/plot.png", "hi"],
            "cannot read image file",
        ),
        (["ask", "--model", "openai/gpt-4o", "--image", "{text}", "hi"], "not a supported image"),
        (["ask", "--model", "openai/gpt-4o", "--max-tokens", "0", "hi"], "--max-tokens"),
        (
            ["ask", "--model", "openai/gpt-4o", "--mode", "replay", "never recorded"],
            "cache miss in REPLAY mode",
        ),
    ],
    ids=[
        "prefix",
        "openai-key",
        "anthropic-key",
        "missing-image",
        "not-an-image",
        "max-tokens",
        "replay-miss",
    ],
)
def test_ask_user_errors_exit_2(argv, message, tmp_path, capsys, litellm_loaded):
    text = tmp_path / "notes.png"
    text.write_text("just text, not an image")
    argv = [a.replace("{text}", str(text)) for a in argv] + ["--cache", str(tmp_path / "c")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("llmhpo: error:") and message in err


def test_replay_in_a_fresh_process_never_imports_litellm(
    openai_server, tmp_path, png_file, monkeypatch, capsys
):
    monkeypatch.setenv("LLMHPO_CAPABILITIES", '{"openai/test-model": {"images": true}}')
    cache = tmp_path / "c"
    argv = [
        "ask",
        "--model",
        "openai/test-model",
        "--api-base",
        openai_server.url,
        "--cache",
        str(cache),
        "--image",
        str(png_file),
        "--seed",
        "1",
        "describe",
    ]
    assert main(argv) == 0
    capsys.readouterr()

    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    code = (
        "import sys; from llmhpo.harness.cli import main; rc = main(sys.argv[1:]); "
        "print('LITELLM_IMPORTED' if 'litellm' in sys.modules else 'LITELLM_ABSENT', file=sys.stderr); sys.exit(rc)"
    )
    replay = [*argv, "--mode", "replay"]
    proc = subprocess.run(
        [sys.executable, "-c", code, *replay],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "hello from the test server"
    assert "[cache hit]" in proc.stderr and "LITELLM_ABSENT" in proc.stderr
    assert len(openai_server.received) == 1
