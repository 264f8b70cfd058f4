"""README's claim, tested: a new optimizer, benchmark family and provider family are one file plus
one registration each. The three toy plugins are written into a package of their own (outside this
repository, as a user's would be), registered with one call each, and the project's own
registry-parametrized conformance modules then run them, with no test list edited.

The in-process provider also goes through the full `ProviderSuite`, without any HTTP server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from llmhpo.gateway import providers
from llmhpo.harness.testing import InProcessWire, ProviderSuite, WireServer
from llmhpo.harness.testing.providers import SECRET
from tests.campaign.helpers import REPO, cli_env
from tests.plugins.echo_provider import EchoProvider

PLUGINS = {"hill_climb.py": "optimizer", "bowl_family.py": "benchmark family", "echo_provider.py": "provider"}
REGISTER = """
from llmhpo.gateway import providers
from llmhpo.harness import benchmarks, optimizers
optimizers.register("hill-climb", "acme.hill_climb:HillClimb")
benchmarks.register("bowl", "acme.bowl_family:Bowl")
providers.register("echo", "acme.echo_provider:EchoProvider")
"""
# the project's test modules that parametrize over the registries (none lists a plugin)
SUITES = ["tests/optimizers/test_optimizers_conformance.py::TestClassical",
          "tests/harness/test_benchmark_conformance.py::TestRegisteredFamilies",
          "tests/gateway/test_provider_conformance.py::TestRegisteredProviders"]


def test_each_plugin_is_one_file_and_one_registration_and_passes_its_suite(tmp_path: Path) -> None:
    package = tmp_path / "acme"  # a namespace package: the three plugin files and nothing else
    package.mkdir()
    for name in PLUGINS:
        (package / name).write_text((Path(__file__).parent / name).read_text(encoding="utf-8"), encoding="utf-8")
    assert sorted(p.name for p in package.iterdir()) == sorted(PLUGINS), "a plugin needed another file"
    calls = [line for line in REGISTER.splitlines() if ".register(" in line]
    assert len(calls) == len(PLUGINS), "one registration per plugin"

    code = (f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n{REGISTER}\nimport pytest\n"
            f"sys.exit(pytest.main({[*SUITES, '-k', 'climb or bowl or echo', '-q', '-rA', '-p', 'no:cacheprovider']!r}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=cli_env(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    passed = re.findall(r"^PASSED (\S+)", done.stdout, flags=re.MULTILINE)
    for plugin, suite in (("hill-climb", "TestClassical"), ("bowl", "TestRegisteredFamilies"),
                          ("echo", "TestRegisteredProviders")):
        ran = [t for t in passed if suite in t and plugin in t]
        assert ran, f"the {suite} suite did not run the {plugin} plugin:\n{done.stdout[-3000:]}"
    assert not re.search(r"^(FAILED|ERROR) ", done.stdout, flags=re.MULTILINE)


@pytest.fixture
def echo_registered():
    providers.register("echo", EchoProvider)  # a class works as well as an import path
    yield
    providers.unregister("echo")


def test_the_echo_provider_answers_through_the_gateway(echo_registered, tmp_path: Path) -> None:
    from llmhpo.gateway import Gateway, Message, Request

    with Gateway(tmp_path, mode="live") as gw:
        reply = gw.complete(Request(model="echo/parrot", messages=(Message.text("user", "hello there"),)))
        assert (reply.text, reply.model_served, gw.capabilities("echo/parrot").source) == ("hello there", "parrot", "echo")
        assert gw.provider("echo/parrot").max_concurrency == 4  # the Provider default


class TestEchoProviderInProcess(ProviderSuite):
    """The full provider suite, with no server: the provider's engine is the suite's scripted wire."""

    @pytest.fixture
    def model(self) -> str:
        return "echo/parrot"

    @pytest.fixture
    def remote(self) -> InProcessWire:
        return InProcessWire()

    @pytest.fixture
    def wire(self, remote: InProcessWire) -> WireServer:
        return remote.as_wire()

    @pytest.fixture
    def provider(self, remote: InProcessWire) -> EchoProvider:
        return EchoProvider(engine=lambda request, key: remote.receive(key), api_key=SECRET)
