"""`llmhpo pack`: a campaign and exactly the cache entries it used, replayed, reported and resumed
on a machine that never ran it (fresh HOME, empty cache, sockets blocked); damaged bundles refused."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from llmhpo.harness.errors import UserError
from llmhpo.harness.publish import bundle
from llmhpo.harness.publish.packing import pack
from tests.bundle.conftest import KEY, keys_of, receiver_env
from tests.campaign.helpers import REPO, cli_env, stable, trials


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llmhpo", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180)


@pytest.fixture(scope="module")
def packed(campaigns):
    tmp, directory, shared, _ = campaigns
    target = tmp / "pub.llmhpo.tar.gz"
    if not target.exists():
        env = dict(cli_env(), OPENAI_API_KEY=KEY)
        res = run("pack", str(directory), "-o", str(target), "--cache", str(shared), env=env, cwd=tmp)
        assert res.returncode == 0, res.stderr
        assert f"into {target}" in res.stdout and "MB, complete" in res.stdout
    return target


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def test_the_bundle_holds_exactly_the_entries_the_campaign_used(campaigns, packed):
    tmp, directory, _, keys = campaigns
    files = members(packed)
    entries = {(e["namespace"], e["fingerprint"]) for e in map(json.loads, files[bundle.ENTRIES].decode().splitlines())}
    assert entries == keys["pub"]  # everything its own fresh cache holds: every reply and evaluation, baseline too
    assert not entries & keys["other"] and keys["other"]  # the other campaign shares the cache, not the bundle
    assert {n for n, _ in entries} == {"llm", "eval"}
    index = json.loads(files[bundle.INDEX])
    assert index["format_version"] == bundle.FORMAT_VERSION and index["complete"]
    assert {m["name"] for m in index["members"]} == set(files) - {bundle.INDEX}
    assert {"campaign/manifest.json", "campaign/trials.jsonl", "campaign/baseline.jsonl"} <= set(files)
    assert any(n.startswith("campaign/transcripts/") for n in files)


def test_no_key_and_no_path_of_the_packing_machine(campaigns, packed):
    tmp, directory, shared, _ = campaigns
    blob = b"".join(members(packed).values())
    assert KEY.encode() not in blob
    for path in (tmp, directory, shared, Path.home()):
        assert str(path).encode() not in blob, path
    manifest = json.loads(members(packed)["campaign/manifest.json"])
    assert manifest["cache"]["path"] is None and manifest["spec_hash"]


def test_packing_twice_gives_the_same_file(campaigns, packed, tmp_path):
    _, directory, shared, _ = campaigns
    again = pack(directory, tmp_path / "again.llmhpo.tar.gz", cache_dir=shared)
    assert again.path.read_bytes() == packed.read_bytes() and again.size == packed.stat().st_size


def test_sockets_are_blocked_in_the_receiver(tmp_path):
    code = "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9))\nexcept OSError as e:\n    print(e)"
    res = subprocess.run([sys.executable, "-c", code], env=receiver_env(tmp_path), capture_output=True, text=True)
    assert "network blocked" in res.stdout


def test_a_fresh_machine_replays_and_reports_the_bundle(campaigns, packed, tmp_path):
    home = tmp_path / "home"
    env = receiver_env(home)
    res = run("replay", str(packed), env=env, cwd=home)
    assert res.returncode == 0, res.stderr
    assert "identical to the journal" in res.stdout and "litellm imported: False" in res.stdout
    assert "replayed 8 trials (" in res.stdout
    assert not (home / "empty-cache").exists() and not list(home.glob(".cache/llmhpo*"))  # nothing cached
    report = run("report", str(packed), "--out", str(home / "report"), env=env, cwd=home)
    assert report.returncode == 0, report.stderr
    assert (home / "report" / "report.html").is_file() and (home / "report" / "report.md").is_file()
    default = run("report", str(packed), env=env, cwd=home)
    assert default.returncode == 0 and (packed.parent / "pub-report" / "report.html").is_file()


def test_unpack_then_run_resumes_with_nothing_to_do(campaigns, packed, tmp_path):
    _, directory, _, _ = campaigns
    home = tmp_path / "home"
    env = dict(receiver_env(home), LITELLM_LOCAL_MODEL_COST_MAP="True")
    res = run("unpack", str(packed), str(home / "u"), env=env, cwd=home)
    assert res.returncode == 0, res.stderr
    spec, out, cache = home / "u" / "spec.json", home / "u", home / "u" / "cache"
    assert f"llmhpo run {spec} --out {out} --cache {cache}" in res.stdout
    resumed = run("run", str(spec), "--out", str(out), "--cache", str(cache), "--workers", "1", env=env, cwd=home)
    assert resumed.returncode == 0, resumed.stderr
    assert "eval cache hits 0/0, LLM calls 0" in resumed.stdout
    assert stable(trials(out / "pub")) == stable(trials(directory))
    again = run("unpack", str(packed), str(home / "u"), env=env, cwd=home)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_an_unfinished_campaign_is_refused_unless_allowed_and_then_resumes(campaigns, tmp_path):
    tmp, directory, shared, _ = campaigns
    copy = tmp_path / "pub"
    shutil.copytree(directory, copy)
    lines = (copy / "trials.jsonl").read_text().splitlines(keepends=True)
    kept = [line for line in lines if not ('"optimizer":"random"' in line and '"index":3' in line)]
    assert len(kept) == len(lines) - 1
    (copy / "trials.jsonl").write_text("".join(kept))
    target = tmp_path / "part.llmhpo.tar.gz"
    res = run("pack", str(copy), "-o", str(target), "--cache", str(shared), env=cli_env(), cwd=tmp_path)
    assert res.returncode == 2 and not target.exists()
    assert res.stderr.count("\n") == 1 and "unfinished: run toy-branin.random.b4.s0 has 3 of 4 trials" in res.stderr
    res = run("pack", str(copy), "-o", str(target), "--cache", str(shared), "--allow-incomplete", env=cli_env(),
              cwd=tmp_path)
    assert res.returncode == 0 and "INCOMPLETE" in res.stdout, res.stderr
    home = tmp_path / "home"
    env = dict(receiver_env(home), LITELLM_LOCAL_MODEL_COST_MAP="True")
    assert run("unpack", str(target), str(home / "u"), env=env, cwd=home).returncode == 0
    resumed = run("run", str(home / "u" / "spec.json"), "--out", str(home / "u"), "--cache", str(home / "u" / "cache"),
                  "--workers", "1", env=env, cwd=home)
    assert resumed.returncode == 0, resumed.stderr
    assert stable(trials(home / "u" / "pub")) == stable(trials(directory))  # the missing trial, trained again


def test_a_damaged_campaign_is_refused(campaigns, tmp_path):
    _, directory, _, keys = campaigns
    with pytest.raises(UserError, match="damaged: replay failed"):
        pack(directory, tmp_path / "x.llmhpo.tar.gz", cache_dir=campaigns[0] / "cache-other")
    assert not (tmp_path / "x.llmhpo.tar.gz").exists()


def test_a_member_holding_a_key_is_refused(campaigns, tmp_path, monkeypatch):
    _, directory, shared, _ = campaigns
    copy = tmp_path / "pub"
    shutil.copytree(directory, copy)
    path = next((copy / "transcripts").glob("*.jsonl"))
    path.write_text(path.read_text().replace('"optimizer"', f'"leak":"{KEY}","optimizer"', 1))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with pytest.raises(UserError, match=r"contains the value of \$OPENAI_API_KEY"):
        pack(copy, tmp_path / "x.llmhpo.tar.gz", cache_dir=shared)


def _rewrite(source: Path, target: Path, change) -> None:
    """A copy of a bundle whose members (index included) went through `change(name, data)`."""
    buffer = io.BytesIO()
    with tarfile.open(source, "r:gz") as tar, tarfile.open(fileobj=buffer, mode="w") as out:
        for info in tar:
            data = change(info.name, tar.extractfile(info).read())
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    target.write_bytes(gzip.compress(buffer.getvalue()))


def _bump(name: str, data: bytes) -> bytes:
    if name != bundle.INDEX:
        return data
    return json.dumps({**json.loads(data), "format_version": bundle.FORMAT_VERSION + 1}).encode()


def _tamper(name: str, data: bytes) -> bytes:
    return data.replace(b'"loss":', b'"loss": ', 1) if name == "campaign/trials.jsonl" else data


@pytest.mark.parametrize("damage, message", [
    ("flip", "damaged"),
    ("truncate", "truncated or damaged"),
    ("version", "bundle format version 2 is not supported"),
    ("member", "member campaign/trials.jsonl is damaged"),
])
def test_a_damaged_bundle_is_refused_in_one_line_and_nothing_is_written(packed, tmp_path, damage, message):
    bad = tmp_path / "bad.llmhpo.tar.gz"
    raw = packed.read_bytes()
    if damage == "flip":
        middle = len(raw) // 2
        bad.write_bytes(raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1:])
    elif damage == "truncate":
        bad.write_bytes(raw[: len(raw) * 2 // 3])
    else:
        _rewrite(packed, bad, _bump if damage == "version" else _tamper)
    home = tmp_path / "home"
    env = receiver_env(home)
    before = sorted(tmp_path.rglob("*"))
    for args in (("replay", str(bad)), ("report", str(bad)), ("unpack", str(bad), str(tmp_path / "u"))):
        res = run(*args, env=env, cwd=home)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert res.stderr.count("\n") == 1 and str(bad) in res.stderr and message in res.stderr, res.stderr
    assert sorted(tmp_path.rglob("*")) == before  # no report, no unpacked folder, no cache


def _evil(tmp_path: Path, packed: Path, kind: str) -> Path:
    files = members(packed)
    index = json.loads(files.pop(bundle.INDEX))
    target = tmp_path / f"{kind}.llmhpo.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as out:
        entries = [(bundle.INDEX, json.dumps(index).encode()), *files.items()]
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo("campaign/../../evil" if kind == "traversal" else "campaign/link")
        if kind == "symlink":
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            out.addfile(info)
        else:
            info.size = 4
            out.addfile(info, io.BytesIO(b"evil"))
    target.write_bytes(gzip.compress(buffer.getvalue()))
    return target


@pytest.mark.parametrize("kind, message", [("traversal", "outside the campaign folder"), ("symlink", "not a plain file")])
def test_unsafe_members_are_refused(packed, tmp_path, kind, message):
    evil = _evil(tmp_path, packed, kind)
    with pytest.raises(UserError, match=message):
        bundle.unpack(evil, tmp_path / "u")
    assert not (tmp_path / "u").exists() and not (tmp_path.parent / "evil").exists()


def test_open_campaign_yields_a_directory_as_is_and_cleans_up_a_bundle(campaigns, packed):
    _, directory, _, _ = campaigns
    with bundle.open_campaign(directory) as same:
        assert same == directory
    with bundle.open_campaign(packed) as opened:
        assert (opened / "manifest.json").is_file()
        cache = Path(json.loads((opened / "manifest.json").read_text())["cache"]["path"])
        assert keys_of(cache) == {(e["namespace"], e["fingerprint"]) for e in bundle.read_bundle(packed).envelopes()}
    assert not opened.exists() and not cache.exists()


def test_cli_lists_pack_and_unpack():
    res = subprocess.run([sys.executable, "-m", "llmhpo", "--help"], cwd=REPO, env=cli_env(), capture_output=True,
                         text=True)
    assert "pack" in res.stdout and "unpack" in res.stdout


def test_replaying_the_multimodal_bundle_draws_no_plot(packed):
    from llmhpo.harness.campaign.replay import replay
    from llmhpo.harness.optimizers import plots

    before = plots.render_count()
    with bundle.open_campaign(packed) as directory:
        result = replay(directory)
    assert result.identical and result.llm_calls >= 3 and plots.render_count() == before
