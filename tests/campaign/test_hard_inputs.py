"""Hard inputs, table-driven: each bad input is refused with one message, exit code 2, no
traceback, and nothing is created (no output directory, no cache, no temporary file).

The table holds every case of issue #24 (a seed sklearn refuses, a million seeds, a 300-character
label, `--out /proc/x`, invalid UTF-8, JSON nested 100,000 deep, `--dask bogus`, `--older-than
nan`, `eval --seed -1`, `xgb/australian@`, `--api-base` with credentials or not a URL) and what an
attacker or a clumsy user would try next: NaN/inf/huge/negative numbers, wrong types, unicode,
empty strings, NUL bytes, directories for files, /dev/zero as a spec.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from llmhpo.harness.cli import main
from llmhpo.harness.limits import MAX_NAME, MAX_SEEDS, SEED_LIMIT

SPEC = """name = "{name}"
budget = {budget}
seeds = {seeds}
benchmarks = {benchmarks}
{extra}
[[optimizers]]
name = "random"
{label}
"""


def spec(tmp: Path, *, name: str = "hard", budget: str = "2", seeds: str = "1", benchmarks: str = '["toy/branin"]',
         extra: str = "", label: str = "", file: str = "spec.toml") -> Path:
    path = tmp / file
    path.write_text(SPEC.format(name=name, budget=budget, seeds=seeds, benchmarks=benchmarks, extra=extra,
                                label=label), encoding="utf-8")
    return path


def run(tmp: Path, path: Path, *flags: str) -> list[str]:
    return ["run", str(path), "--out", str(tmp / "out"), "--cache", str(tmp / "c"), "--workers", "1", *flags]


def spec_run(expect: str, **fields: str) -> tuple[Callable[[Path], list[str]], str]:
    return (lambda t: run(t, spec(t, **fields))), expect


def raw_spec(text: bytes, name: str = "spec.toml") -> Callable[[Path], list[str]]:
    def build(t: Path) -> list[str]:
        (t / name).write_bytes(text)
        return run(t, t / name)
    return build


def _eval(*args: str) -> Callable[[Path], list[str]]:
    return lambda t: ["eval", *args, "--cache", str(t / "c")]


def _deep_json(depth: int) -> bytes:
    return b'{"name": "deep", "x": ' + b"[" * depth + b"]" * depth + b"}"


CASES: dict[str, tuple[Callable[[Path], list[str]], str]] = {
    # -- seeds: one range for every benchmark and optimizer, and a count limit ------------------------
    "seed 2**32 (sklearn refuses it)": spec_run("2**31", seeds="[4294967296]"),
    "seed 2**31 (SMAC would wrap it)": spec_run("2**31", seeds=f"[{SEED_LIMIT}]"),
    "negative seed": spec_run(">= 0", seeds="[-1]"),
    "a million seeds": spec_run(f"limit of {MAX_SEEDS}", seeds="1000000"),
    "10**12 seeds even with --allow-large": ((lambda t: run(t, spec(t, seeds=str(10**12)), "--allow-large")),
                                              "at most"),
    "seeds = 0": spec_run("count must be >= 1", seeds="0"),
    "seeds = true": spec_run("seeds", seeds="true"),
    "seeds = nan": spec_run("seeds", seeds="nan"),
    "seeds = []": spec_run("empty list", seeds="[]"),
    "duplicate seeds": spec_run("duplicate", seeds="[1, 1]"),
    "seed as a string": spec_run("seeds", seeds='["1"]'),
    "seed as a float": spec_run("seeds", seeds="[1.5]"),
    "eval --seed -1": (_eval("toy/branin", "--seed", "-1"), "--seed"),
    "eval --seed 2**32": (_eval("toy/branin", "--seed", "4294967296"), "2**31"),
    "ask --seed -1": ((lambda t: ["ask", "hi", "--seed", "-1", "--cache", str(t / "c")]), "--seed"),
    # -- budgets and other numbers ----------------------------------------------------------------
    "budget = nan": spec_run("budget", budget="nan"),
    "budget = inf": spec_run("budget", budget="inf"),
    "budget = -1": spec_run("budget", budget="-1"),
    "budget = 10**30": spec_run("limit of", budget=str(10**30)),
    "budget as a string": spec_run("budget", budget='"10"'),
    "workers = 0": spec_run("workers", extra="workers = 0"),
    "llm_concurrency = -1": spec_run("llm_concurrency", extra="llm_concurrency = -1"),
    "--workers 0": ((lambda t: run(t, spec(t))[:-2] + ["--workers", "0"]), "--workers"),
    "--timeout nan": ((lambda t: run(t, spec(t), "--timeout", "nan")), "--timeout"),
    "--llm-concurrency 0": ((lambda t: run(t, spec(t), "--llm-concurrency", "0")), "--llm-concurrency"),
    "baseline_samples = -5": spec_run("baseline_samples", extra="baseline_samples = -5"),
    # -- names and labels: derived file names must fit every file system ---------------------------
    "300-character label": spec_run(f"at most {MAX_NAME}", label=f'label = "{"L" * 300}"'),
    "300-character name": spec_run(f"at most {MAX_NAME}", name="n" * 300),
    "empty name": spec_run("campaign name", name=""),
    "unicode name": spec_run("campaign name", name="caf\u00e9"),
    "name with a slash": spec_run("campaign name", name="../escape"),
    "empty label": spec_run("label", label='label = ""'),
    "label of blanks": spec_run("label", label='label = "   "'),
    "label as a number": spec_run("label", label="label = 3"),
    # -- paths ------------------------------------------------------------------------------------
    "--out /proc/x": ((lambda t: run(t, spec(t))[:3] + ["/proc/x", *run(t, spec(t))[4:]]), "not writable"),
    "output = /proc/x": ((lambda t: ["run", str(spec(t, extra='output = "/proc/x"')), "--cache", str(t / "c"),
                                     "--workers", "1"]), "not writable"),
    "--out with a 300-character name": ((lambda t: run(t, spec(t))[:3] + [str(t / ("o" * 300)), *run(t, spec(t))[4:]]),
                                        "255"),
    "--out with a NUL byte": ((lambda t: run(t, spec(t))[:3] + [str(t / "o\x00x"), *run(t, spec(t))[4:]]), "NUL"),
    "--cache with a NUL byte": ((lambda t: run(t, spec(t))[:5] + [str(t / "c\x00x"), *run(t, spec(t))[6:]]), "NUL"),
    "--out is a file": ((lambda t: (t / "afile").write_text("x") and run(t, spec(t))[:3] + [str(t / "afile"),
                                                                                            *run(t, spec(t))[4:]]),
                        "afile"),
    "--cache is a file": ((lambda t: (t / "cfile").write_text("x") and run(t, spec(t))[:5] + [str(t / "cfile"),
                                                                                              *run(t, spec(t))[6:]]),
                          "cfile"),
    "spec is a directory": ((lambda t: (t / "d.toml").mkdir() or run(t, t / "d.toml")), "directory"),
    "spec does not exist": ((lambda t: run(t, t / "missing.toml")), "missing.toml"),
    "spec is /dev/zero": ((lambda t: (t / "z.toml").symlink_to("/dev/zero") or run(t, t / "z.toml")), "larger than"),
    "cache verify --cache with NUL": ((lambda t: ["cache", "verify", "--cache", str(t / "c\x00")]), "NUL"),
    # -- the spec file itself -----------------------------------------------------------------------
    "invalid UTF-8": (raw_spec(b'name = "ok"\nbudget = 2\ndescription = "caf\xe9"\n'), ":3:19: not valid UTF-8"),
    "JSON nested 100,000 deep": (raw_spec(_deep_json(100_000), "deep.json"), "nested more than"),
    "TOML nested 100,000 deep": (raw_spec(b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"), "nested more than"),
    "spec over 1 MB": (raw_spec(b"# " + b"x" * 1_100_000 + b"\n"), "larger than"),
    "empty spec": (raw_spec(b""), "3 problem(s)"),
    "JSON spec with NaN": (raw_spec(json.dumps({"name": "j", "budget": float("nan"), "benchmarks": ["toy/branin"],
                                               "optimizers": [{"name": "random"}]}).encode(), "nan.json"), "budget"),
    "JSON spec that is a list": (raw_spec(b"[1, 2]", "list.json"), "spec"),
    "TOML with a NUL byte": (raw_spec(b'name = "a\x00b"\n'), "not valid TOML"),
    # -- benchmarks and fidelities ----------------------------------------------------------------
    "xgb/australian@ in a spec": spec_run("ends with '@'", benchmarks='["xgb/australian@"]'),
    "eval xgb/australian@": (_eval("xgb/australian@"), "ends with '@'"),
    "fidelity = nan": (_eval("xgb/australian@n_estimators=nan"), "finite"),
    "fidelity given twice": (_eval("xgb/australian@n_estimators=10,n_estimators=20"), "twice"),
    "fidelity with a trailing comma": (_eval("xgb/australian@n_estimators=10,"), "key=value"),
    "empty benchmark name": spec_run("benchmarks", benchmarks='[""]'),
    "eval --config with NaN": (_eval("toy/branin", "--config", '{"x1": NaN, "x2": 0.0}'), "x1"),
    "eval --config nested 100,000 deep": (_eval("toy/branin", "--config", "[" * 100_000 + "]" * 100_000),
                                         "nested more than"),
    "eval --config that is a list": (_eval("toy/branin", "--config", "[1, 2]"), "config"),
    "eval --config with a huge number": (_eval("toy/branin", "--config", '{"x1": 1e999, "x2": 0.0}'), "x1"),
    "spec is a symlink loop": ((lambda t: (t / "loop.toml").symlink_to(t / "loop.toml") or run(t, t / "loop.toml")),
                               "loop.toml"),
    "--out through a symlink loop": ((lambda t: (t / "oloop").symlink_to(t / "oloop") or run(t, spec(t))[:3]
                                      + [str(t / "oloop" / "x"), *run(t, spec(t))[4:]]), "oloop"),
    "--out under /dev/null": ((lambda t: run(t, spec(t))[:3] + ["/dev/null/x", *run(t, spec(t))[4:]]), "/dev/null"),
    # -- flags agree with the spec ----------------------------------------------------------------
    "run --dask bogus": ((lambda t: run(t, spec(t), "--dask", "bogus")), "--dask"),
    "run --dask tcp://host (no port)": ((lambda t: run(t, spec(t), "--dask", "tcp://host")), "--dask"),
    "dask = bogus in the spec": spec_run("dask", extra='dask = "bogus"'),
    "ask --api-base notaurl": ((lambda t: ["ask", "hi", "-m", "openai/gpt-4o", "--api-base", "notaurl",
                                           "--cache", str(t / "c")]), "--api-base"),
    "ask --api-base with credentials": ((lambda t: ["ask", "hi", "-m", "openai/gpt-4o", "--api-base",
                                                    "http://user:KEY@127.0.0.1:9/v1", "--cache", str(t / "c")]),
                                        "credentials"),
    "run --api-base with credentials": ((lambda t: run(t, spec(t), "--api-base", "http://user:KEY@127.0.0.1:9/v1")),
                                        "credentials"),
    "run --api-base with a bad port": ((lambda t: run(t, spec(t), "--api-base", "http://host:port/v1")),
                                       "--api-base"),
    "proxy --upstream with credentials": ((lambda t: ["proxy", "--upstream", "openai=http://u:KEY@127.0.0.1:9/v1",
                                                      "--cache", str(t / "c")]), "credentials"),
    "api_base with a query string in the spec": spec_run(
        "credentials", extra='[model_settings."openai/gpt-4o"]\napi_base = "http://h:1/v1?key=sk-x"'),
    "cache prune --older-than nan": ((lambda t: ["cache", "prune", "--older-than", "nan", "--cache", str(t / "c")]),
                                     "--older-than"),
    "cache prune --older-than inf": ((lambda t: ["cache", "prune", "--older-than", "inf", "--cache", str(t / "c")]),
                                     "--older-than"),
    "cache prune --older-than -1": ((lambda t: ["cache", "prune", "--older-than", "-1", "--cache", str(t / "c")]),
                                    "--older-than"),
}


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_message_exit_2_and_creates_nothing(case: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    build, expect = CASES[case]
    argv = build(tmp_path)
    before = _tree(tmp_path)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("llmhpo: "), err
    lines = err.strip().splitlines()
    # one message: one line, or a spec's header with one located line per problem found
    assert len(lines) == 1 or all(line.startswith("  - ") for line in lines[1:]), err
    assert expect in err, err
    assert _tree(tmp_path) == before, "something was created"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only directory")
def test_read_only_parent_is_refused_before_anything_is_created(tmp_path: Path, capsys) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code = main(run(tmp_path, spec(tmp_path))[:3] + [str(locked / "out"), *run(tmp_path, spec(tmp_path))[4:]])
    finally:
        locked.chmod(0o755)
    assert code == 2 and "not writable" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_a_symlinked_out_directory_is_followed(tmp_path: Path, capsys) -> None:
    """A symlink to a writable directory is a fine --out (refusing it would be a false alarm)."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    code = main(run(tmp_path, spec(tmp_path))[:3] + [str(tmp_path / "link"), *run(tmp_path, spec(tmp_path))[4:]])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "real" / "hard" / "manifest.json").is_file()


def test_limits_are_lifted_by_allow_large_only_where_meaningful(tmp_path: Path) -> None:
    from llmhpo.harness.spec.campaign_spec import loads_spec

    text = spec(tmp_path, seeds=str(MAX_SEEDS + 1)).read_text()
    assert len(loads_spec(text, allow_large=True).seeds) == MAX_SEEDS + 1


def test_a_run_id_too_long_for_a_file_name_is_shortened_with_a_hash() -> None:
    from llmhpo.harness.limits import RUN_ID_MAX
    from llmhpo.harness.spec.campaign_spec import loads_spec

    text = SPEC.format(name="long", budget="2", seeds="[7]", benchmarks='["toy/branin"]', extra="",
                       label=f'label = "{"L" * MAX_NAME}"')
    short = loads_spec(text).runs[0].run_id
    assert short == f"toy-branin.{'L' * MAX_NAME}.b2.s7"  # the readable id is kept while it fits
    big = loads_spec(text.replace("budget = 2", f"budget = {10**120}"), allow_large=True, check=False).runs[0].run_id
    assert len(big) == RUN_ID_MAX and big.startswith("toy-branin.LLL")


def test_recorded_specs_keep_their_names_and_seeds() -> None:
    """A campaign recorded before the limits (a 2**31 seed, a long label) still replays: the manifest's
    spec is re-read with check=False, which keeps what already ran."""
    from llmhpo.harness.spec.campaign_spec import CampaignSpec, loads_spec

    text = SPEC.format(name="old", budget="2", seeds=f"[{SEED_LIMIT}]", benchmarks='["toy/branin"]', extra="",
                       label=f'label = "{"L" * 200}"')
    spec_ = loads_spec(text, check=False)
    again = CampaignSpec.from_dict(spec_.to_dict())
    assert again.seeds == (SEED_LIMIT,) and again.runs[0].run_id == f"toy-branin.{'L' * 200}.b2.s{SEED_LIMIT}"
