"""`llmhpo proxy` as a user runs it: a real process, real signals, exit codes and what it prints."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import openai
import pytest
from proxy_helpers import OPENAI_MODEL, every_byte

from llmhpo.cache.cassette import import_cassette
from llmhpo.cache.store import CacheStore

PLANTED = "sk-PLANTED-CLI-PROXY-KEY-424242"


def _proxy(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "llmhpo", "proxy", "--port", "0", *args]
    full_env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", **(env or {})}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env)


def _url(process: subprocess.Popen) -> str:
    line = process.stdout.readline()
    assert "listening on" in line, line + process.stderr.read()
    return line.split("listening on ")[1].split()[0]


def test_replay_without_a_cache_is_one_startup_error(tmp_path: Path):
    missing = tmp_path / "no-such-cache"
    done = subprocess.run(
        [sys.executable, "-m", "llmhpo", "proxy", "--mode", "replay", "--cache", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no cache at" in done.stderr and str(missing) in done.stderr
    assert not missing.exists()  # a replay creates nothing


@pytest.mark.parametrize("bad", [["--upstream", "openai:http://x"], ["--default-prefix", "nope"]])
def test_bad_options_exit_2(bad):
    done = subprocess.run(
        [sys.executable, "-m", "llmhpo", "proxy", *bad], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stderr.startswith("llmhpo: error:")


def test_non_loopback_bind_warns(tmp_path: Path):
    process = _proxy("--host", "0.0.0.0", "--mode", "off")
    try:
        _url(process)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert "no authentication" in err and process.returncode == 0


@pytest.mark.slow
def test_record_into_a_cassette_then_replay_through_the_cli(upstream_openai, tmp_path: Path):
    cassette = tmp_path / "recorded.jsonl"
    upstream = ["--upstream", f"openai={upstream_openai.url}"]
    recorder = _proxy("--mode", "record", "--cassette", str(cassette), *upstream)
    try:
        client = openai.OpenAI(base_url=f"{_url(recorder)}/v1", api_key=PLANTED, max_retries=0, timeout=60)
        for text in ("cli", "two"):
            reply = client.chat.completions.create(
                model=OPENAI_MODEL, messages=[{"role": "user", "content": text}]
            )
            assert reply.choices[0].message.content == "hello from the test server"
    finally:
        recorder.send_signal(signal.SIGTERM)
        out, err = recorder.communicate(timeout=30)
    assert recorder.returncode == 0, err
    assert "2 requests, 0 hits, 0 misses, 2 live calls" in out and "wrote 2 entries to cassette" in out
    assert "openai/gpt-4o live" in err  # the per-request log line
    assert upstream_openai.received[0].headers["Authorization"] == f"Bearer {PLANTED}"
    assert len(cassette.read_text().splitlines()) == 2
    upstream_openai.stop()

    cache = tmp_path / "cli-cache"
    with CacheStore(cache) as store:
        import_cassette(store, cassette)
    replayer = _proxy("--mode", "replay", "--cache", str(cache), *upstream)
    try:
        client = openai.OpenAI(base_url=f"{_url(replayer)}/v1", api_key="llmhpo", max_retries=0, timeout=60)
        again = client.chat.completions.create(
            model=OPENAI_MODEL, messages=[{"role": "user", "content": "cli"}]
        )
        assert again.choices[0].message.content == reply.choices[0].message.content
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "new"}])
    finally:
        replayer.send_signal(signal.SIGINT)
        out2, err2 = replayer.communicate(timeout=30)
    assert "2 requests, 1 hits, 1 misses, 0 live calls" in out2
    assert "cache miss in REPLAY mode" in err2 and "'new'" in err2

    from_cassette = _proxy("--mode", "replay", "--cassette", str(cassette), *upstream)
    try:
        client = openai.OpenAI(
            base_url=f"{_url(from_cassette)}/v1", api_key="llmhpo", max_retries=0, timeout=60
        )
        client.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "two"}])
    finally:
        from_cassette.send_signal(signal.SIGINT)
        out3, err3 = from_cassette.communicate(timeout=30)
    assert "1 hits" in out3 and "wrote" not in out3  # replay never rewrites the cassette
    for text in (out, err, out2, err2, out3, err3):
        assert PLANTED not in text
    assert PLANTED.encode() not in every_byte(cache, cassette)


def test_replay_without_the_cassette_is_one_startup_error(tmp_path: Path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "llmhpo",
            "proxy",
            "--mode",
            "replay",
            "--cassette",
            str(tmp_path / "none.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "cassette" in done.stderr and "does not exist" in done.stderr
