"""pytest plugin `llmhpo` (entry point `pytest11`): tests against recorded LLM replies, for any client.

Fixtures (nothing is autouse, so suites that do not ask for them are untouched):
- `llm_gateway`: a Gateway on this test's cassette, in the session's mode;
- `llm_proxy` / `llm_proxy_url`: a running `llmhpo proxy` on the same cassette, for code that uses
  an SDK (`OpenAI(base_url=llm_proxy_url)`, `Anthropic(base_url=llm_proxy.url)`);
- `llm_mode`, `llm_cassette`: the mode and the cassette path in use.

A cassette is a reviewable JSONL file. By default each test has its own,
`<test dir>/cassettes/<module>/<test>.jsonl`; `@pytest.mark.llm_cassette("path.jsonl")` (relative to
the test file; on a module through `pytestmark`, a per-module cassette) names another. Modes
(`--llm-mode`): `replay` (strict; the default under CI=true), `live` (replay what is recorded,
record what is missing; the default elsewhere), `record` (call again, overwrite), `off`. Live and
record write changed cassettes back at the end of the session. A replay miss fails the test, even
when the code under test swallowed the error, with the request's summary and the command that
records it.

Harmless when unused: pytest loads this module into every suite of an environment where llmhpo is
installed, so at import it loads only pytest and the standard library, and llmhpo's own light
modules once, to check them. If llmhpo cannot be imported (a missing dependency, a broken install),
pytest prints one warning and runs the suite; only the tests that use these fixtures or the marker fail,
with the reason.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from llmhpo.cache.errors import CacheMiss
    from llmhpo.cache.store import CacheStore
    from llmhpo.gateway import Gateway

_MISSES = pytest.StashKey[list["CacheMiss"]]()
_CASSETTE = pytest.StashKey[Path]()
# What the fixtures need at once; light (standard library only), so checking them costs nothing.
_NEEDED = ("llmhpo.cache.modes", "llmhpo.gateway.gateway")


@functools.cache
def unavailable() -> str | None:
    """Why llmhpo cannot be imported here (None when it can): the reason its fixtures fail with."""
    try:
        for module in _NEEDED:
            importlib.import_module(module)
    except Exception as exc:  # whatever a broken install raises: ImportError, SyntaxError, ...
        return f"llmhpo cannot be imported ({type(exc).__name__}: {exc})"
    return None


def _require() -> None:
    reason = unavailable()
    if reason is not None:
        pytest.fail(f"llmhpo's pytest plugin is off: {reason}", pytrace=False)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llmhpo", "recorded LLM replies (llmhpo)")
    # Without llmhpo any value is taken, so a suite's usual command line still runs its other tests.
    choices = None if unavailable() else importlib.import_module("llmhpo.cache.modes").Mode.names()
    group.addoption(
        "--llm-mode",
        choices=choices,
        default=None,
        help="cache mode of the llm_gateway / llm_proxy fixtures: replay (strict; default when CI=true), "
        "live (record what is missing; default otherwise), record (call again), off",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "llm_cassette(path): JSONL cassette of the llm_gateway/llm_proxy fixtures, relative to the test "
        "file (put it in pytestmark for one cassette per module)",
    )
    reason = unavailable()
    if reason is not None:
        config.issue_config_time_warning(pytest.PytestConfigWarning(
            f"llmhpo's pytest plugin is off: {reason}; only tests that use its fixtures (llm_gateway, "
            "llm_proxy, ...) or the llm_cassette marker fail"), stacklevel=2)


def mode_of(config: pytest.Config) -> str:
    """--llm-mode, else replay under CI=true (CI must never call a provider), else live."""
    from llmhpo.cache.modes import Mode

    chosen = config.getoption("--llm-mode", default=None)
    if chosen:
        return str(chosen)
    ci = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
    return (Mode.REPLAY if ci else Mode.LIVE).value


def pytest_report_header(config: pytest.Config) -> str:
    if unavailable():
        return "llmhpo: off (llmhpo cannot be imported; see the warning)"
    return f"llmhpo: --llm-mode {mode_of(config)}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("llm_cassette") is not None:
        _require()


def cassette_for(item: pytest.Item) -> Path:
    """The cassette of a test: its closest llm_cassette marker, else cassettes/<module>/<test>.jsonl."""
    here = Path(str(item.path)).parent
    marker = item.get_closest_marker("llm_cassette")
    if marker is not None:
        if len(marker.args) != 1 or not isinstance(marker.args[0], str | os.PathLike):
            raise pytest.UsageError(f"{item.nodeid}: use @pytest.mark.llm_cassette('path.jsonl')")
        return (here / marker.args[0]).resolve()
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name).strip("_")
    return here / "cassettes" / Path(str(item.path)).stem / f"{name}.jsonl"


@dataclass
class _Cassette:
    store: CacheStore
    changed: bool = False


@dataclass
class _Cassettes:
    """One temporary cache per cassette for the session; changed ones are written back at the end."""

    directory: Path
    mode: str
    open: dict[Path, _Cassette] = field(default_factory=dict)

    def get(self, path: Path) -> _Cassette:
        if path not in self.open:
            from llmhpo.cache.cassette import import_cassette
            from llmhpo.cache.store import CacheStore

            store = CacheStore(self.directory / f"c{len(self.open)}")
            if path.is_file():
                import_cassette(store, path)
            self.open[path] = _Cassette(store)
        return self.open[path]

    def close(self) -> None:
        from llmhpo.cache.cassette import export_cassette
        from llmhpo.cache.modes import Mode

        for path, cassette in self.open.items():
            if cassette.changed and Mode(self.mode).writes:
                export_cassette(cassette.store, path, namespace="llm")
            cassette.store.close()


@pytest.fixture(scope="session")
def llm_mode(pytestconfig: pytest.Config) -> str:
    _require()
    return mode_of(pytestconfig)


@pytest.fixture(scope="session")
def _llm_cassettes(llm_mode: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Cassettes]:
    cassettes = _Cassettes(tmp_path_factory.mktemp("llmhpo-cassettes"), llm_mode)
    yield cassettes
    cassettes.close()


@pytest.fixture
def llm_cassette(request: pytest.FixtureRequest) -> Path:
    _require()
    return cassette_for(request.node)


def _tracking_gateway(store: CacheStore, mode: str, misses: list[CacheMiss]) -> Gateway:
    """A Gateway that notes every replay miss, so a swallowed one still fails the test."""
    from llmhpo.cache.errors import CacheMiss
    from llmhpo.gateway import Gateway

    class MissTrackingGateway(Gateway):
        def complete(self, request: Any, *, api_key: str | None = None) -> Any:
            try:
                return super().complete(request, api_key=api_key)
            except CacheMiss as miss:
                misses.append(miss)
                raise

    return MissTrackingGateway(cache_dir=store, mode=mode)


@pytest.fixture
def llm_gateway(
    request: pytest.FixtureRequest, llm_mode: str, llm_cassette: Path, _llm_cassettes: _Cassettes
) -> Iterator[Gateway]:
    """A Gateway on this test's cassette in the session's --llm-mode."""
    cassette = _llm_cassettes.get(llm_cassette)
    misses = request.node.stash.setdefault(_MISSES, [])
    request.node.stash[_CASSETTE] = llm_cassette
    gateway = _tracking_gateway(cassette.store, llm_mode, misses)
    try:
        yield gateway
    finally:
        cassette.changed |= gateway.ledger.live_calls > 0
        gateway.close()


@dataclass(frozen=True)
class LLMProxy:
    """Where the test's proxy listens: `openai_base_url` ends in /v1, Anthropic clients take `url`."""

    url: str
    stats: Any

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"


@pytest.fixture(scope="session")
def _llm_proxy_server() -> Iterator[Any]:
    _require()
    from llmhpo.cache.modes import Mode
    from llmhpo.gateway import Gateway
    from llmhpo.gateway.proxy import start_proxy

    idle = Gateway(mode=Mode.OFF)  # replaced by each test's llm_gateway
    proxy = start_proxy(idle)
    yield proxy
    proxy.stop()
    idle.close()


@pytest.fixture
def llm_proxy(llm_gateway: Gateway, _llm_proxy_server: Any) -> Iterator[LLMProxy]:
    """A running llmhpo proxy serving this test's llm_gateway (same cassette, same mode)."""
    state = _llm_proxy_server.app.state.proxy
    previous = state.gateway
    state.gateway = llm_gateway
    try:
        yield LLMProxy(_llm_proxy_server.url, state.stats)
    finally:
        state.gateway = previous


@pytest.fixture
def llm_proxy_url(llm_proxy: LLMProxy) -> str:
    """The proxy's OpenAI base URL (`.../v1`), e.g. `openai.OpenAI(base_url=llm_proxy_url)`."""
    return llm_proxy.openai_base_url


def miss_report(item: pytest.Item, misses: list[CacheMiss]) -> str:
    """Why the test failed: each unrecorded request, and the command that records them."""
    cassette = item.stash.get(_CASSETTE, None)
    where = f"cassette {cassette}" + (
        "" if cassette is not None and cassette.is_file() else " (does not exist)"
    )
    lines = [f"{len(misses)} LLM call(s) not recorded in {where} (--llm-mode replay):"]
    for miss in misses:
        lines.append(f"- fingerprint {miss.fingerprint}\n{miss.summary}")
    lines.append(f"record the missing call(s):  pytest '{item.nodeid}' --llm-mode live")
    lines.append(f"or re-record every call of the test:  pytest '{item.nodeid}' --llm-mode record")
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    misses = item.stash.get(_MISSES, None)
    if report.when == "call" and misses:
        report.outcome = "failed"
        report.longrepr = miss_report(item, misses)
