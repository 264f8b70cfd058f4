"""Bad input: one line on stderr, exit code 2, and nothing created before the error.

Each case is one a new user hit as a traceback (exit 1) or after a cache, manifest or temporary
file had already been created.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from llmhpo.harness.cli import main
from llmhpo.harness.errors import UserError
from llmhpo.harness.spec.campaign_spec import MAX_BASELINE_SAMPLES, MAX_BUDGET, loads_spec
from tests.campaign.helpers import write_spec
from tests.servers import Behaviour, OpenAIServer

# a real 1x1 PNG, and the same file cut to 30 bytes (the header survives, the image data does not)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _one_line_exit_2(code: int, capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("llmhpo: ") and err.strip().count("\n") == 0, err
    assert "Traceback" not in err
    return err


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_out_under_a_file_creates_no_cache(tmp_path, capsys):
    spec = write_spec(tmp_path, budget=2, seeds=1)
    (tmp_path / "blocker").write_text("x")
    before = _tree(tmp_path)
    code = main(["run", str(spec), "--out", str(tmp_path / "blocker" / "sub"), "--cache", str(tmp_path / "cache"),
                 "--workers", "1"])
    err = _one_line_exit_2(code, capsys)
    assert "blocker" in err and "not a directory" in err
    assert _tree(tmp_path) == before  # no cache.db, no directory


def test_ask_temperature_nan(tmp_path, capsys):
    code = main(["ask", "hi", "--temperature", "nan", "--cache", str(tmp_path / "c")])
    assert "temperature" in _one_line_exit_2(code, capsys)
    assert not (tmp_path / "c").exists()


def test_spec_temperature_nan(tmp_path, capsys):
    spec = tmp_path / "nan.toml"
    spec.write_text('name = "nan"\nbudget = 2\nseeds = 1\nbenchmarks = ["toy/branin"]\n'
                    '[[optimizers]]\nname = "llm"\noptions = { temperature = nan }\n')
    code = main(["run", str(spec), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2 and "temperature" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() and not (tmp_path / "c").exists()


@pytest.mark.parametrize("optimizer", ["gp", "tpe", "random"])
def test_huge_budget_is_refused_before_anything_is_allocated(tmp_path, capsys, optimizer):
    spec = tmp_path / "huge.toml"
    spec.write_text(f'name = "huge"\nbudget = 1000000000\nseeds = 1\nbenchmarks = ["toy/branin"]\n'
                    f'[[optimizers]]\nname = "{optimizer}"\n')
    code = main(["run", str(spec), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2 and f"limit of {MAX_BUDGET}" in err and "--allow-large" in err
    assert not (tmp_path / "out").exists()


def test_limits_are_overridable():
    text = 'name = "big"\nbudget = {b}\nseeds = 1\nbenchmarks = ["toy/branin"]\nbaseline_samples = {n}\n' \
           '[[optimizers]]\nname = "random"\n'
    with pytest.raises(UserError, match="baseline_samples"):
        loads_spec(text.format(b=10, n=MAX_BASELINE_SAMPLES + 1))
    with pytest.raises(UserError, match="budget"):
        loads_spec(text.format(b=MAX_BUDGET + 1, n=0))
    spec = loads_spec(text.format(b=MAX_BUDGET + 1, n=MAX_BASELINE_SAMPLES + 1), allow_large=True)
    assert spec.budgets == (MAX_BUDGET + 1,) and spec.baseline_samples == MAX_BASELINE_SAMPLES + 1


@pytest.mark.parametrize("behaviour", [Behaviour.error(400), Behaviour.error(503)], ids=["400", "503-exhausted"])
def test_ask_provider_failure_is_one_line(tmp_path, capsys, monkeypatch, behaviour):
    server = OpenAIServer().start()
    server.script(*[behaviour] * 10)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-bad-input")
    try:
        code = main(["ask", "hi", "-m", "openai/gpt-4o", "--api-base", server.url, "--cache", str(tmp_path / "c"),
                     "--timeout", "5"])
    finally:
        server.stop()
    err = _one_line_exit_2(code, capsys)
    assert str(behaviour.status) in err


def test_cache_export_to_a_directory_leaves_nothing_behind(tmp_path, capsys):
    from llmhpo.cache.store import CacheStore

    with CacheStore(tmp_path / "c") as store:
        store.put("a", {"text": "x"})
    (tmp_path / "dir").mkdir()
    before = _tree(tmp_path)
    code = main(["cache", "export", str(tmp_path / "dir"), "--cache", str(tmp_path / "c")])
    assert "directory" in _one_line_exit_2(code, capsys)
    assert _tree(tmp_path) == before


def test_truncated_png_is_refused_by_decoding_it(tmp_path, capsys):
    from llmhpo.gateway import load_image

    good, cut = tmp_path / "good.png", tmp_path / "cut.png"
    good.write_bytes(PNG)
    cut.write_bytes(PNG[:30])
    assert load_image(good).mime == "image/png"
    code = main(["ask", "what is this?", "-m", "openai/gpt-4o", "--image", str(cut), "--cache", str(tmp_path / "c")])
    assert "cut.png" in _one_line_exit_2(code, capsys)
    assert not (tmp_path / "c").exists()


def test_run_replay_without_its_cache_creates_nothing(tmp_path, capsys):
    spec = write_spec(tmp_path, budget=2, seeds=1)
    code = main(["run", str(spec), "--mode", "replay", "--out", str(tmp_path / "out"), "--cache",
                 str(tmp_path / "missing")])
    assert "missing" in _one_line_exit_2(code, capsys)
    assert not (tmp_path / "out").exists() and not (tmp_path / "missing").exists()


def test_cache_import_of_a_missing_cassette_creates_no_cache(tmp_path, capsys):
    code = main(["cache", "import", str(tmp_path / "missing.jsonl"), "--cache", str(tmp_path / "c")])
    assert "missing.jsonl" in _one_line_exit_2(code, capsys)
    assert not (tmp_path / "c").exists()


@pytest.mark.slow
def test_unreachable_dask_scheduler_creates_nothing(tmp_path, capsys):
    spec = write_spec(tmp_path, budget=2, seeds=1)
    code = main(["run", str(spec), "--dask", "tcp://127.0.0.1:9", "--out", str(tmp_path / "out"), "--cache",
                 str(tmp_path / "c")])
    assert "Dask scheduler" in _one_line_exit_2(code, capsys)
    assert not (tmp_path / "out").exists() and not (tmp_path / "c").exists()


def test_initial_design_larger_than_the_budget_is_refused(tmp_path, capsys):
    spec = tmp_path / "design.toml"
    spec.write_text('name = "design"\nbudget = 10\nseeds = 1\nbenchmarks = ["toy/branin"]\n'
                    '[[optimizers]]\nname = "gp"\noptions = { n_initial = 1000000000 }\n')
    code = main(["run", str(spec), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot exceed the budget" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
