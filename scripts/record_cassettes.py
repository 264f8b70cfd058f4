"""Re-record the test cassettes (tests/cassettes/*.jsonl) from the real local model.

Runs pytest with LLMHPO_RECORD=1 on every test module that uses the `cassette_gateway` or the
`module_cassette` fixture (or on the modules given). With --fresh the selected cassettes are deleted first, so each holds
exactly the replies its tests use now; without it, new replies are merged into the old ones.

    .venv/bin/python scripts/record_cassettes.py            # all modules, merge
    .venv/bin/python scripts/record_cassettes.py --fresh tests/local/test_local_replay.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "tests" / "cassettes"


def modules_using_fixture() -> list[Path]:
    return sorted(
        p for p in (ROOT / "tests").rglob("test_*.py")
        if any(f in p.read_text(encoding="utf-8") for f in ("cassette_gateway", "module_cassette"))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", type=Path, help="test modules (default: all that use the fixture)")
    parser.add_argument("--fresh", action="store_true", help="delete the selected cassettes before recording")
    args = parser.parse_args(argv)
    modules = [m.resolve() for m in args.modules] or modules_using_fixture()
    if args.fresh:
        for module in modules:
            (CASSETTES / f"{module.stem}.jsonl").unlink(missing_ok=True)
    env = {**os.environ, "LLMHPO_RECORD": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *map(str, modules)]
    print("recording:", " ".join(str(m.relative_to(ROOT)) for m in modules), flush=True)
    done = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    sys.path.insert(0, str(ROOT))
    from llmhpo.cache.cassette import verify_cassette

    problems = [p for m in modules if (CASSETTES / f"{m.stem}.jsonl").exists()
                for p in verify_cassette(CASSETTES / f"{m.stem}.jsonl")]
    for problem in problems:
        print(problem, file=sys.stderr)
    return done.returncode or (1 if problems else 0)


if __name__ == "__main__":
    sys.exit(main())
