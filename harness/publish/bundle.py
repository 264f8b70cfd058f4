"""Campaign bundles: one file that is a campaign wherever a results directory is.

Why a file of its own format: a campaign's results directory only replays together with the cache
it ran with, and that cache is one per user, shared by every campaign. A bundle holds the journal
(manifest, trials, baseline, stopped/failures, transcripts) and exactly the cache entries the
campaign used (harness.publish.packing decides which), so a receiver replays, reports or resumes it with
nothing else.

Format (version 1): a gzipped tar of regular files, `bundle.json` first. `bundle.json` names the
format and its version and lists every other member with its size and sha256; campaign files are
under `campaign/`, the cache entries are `cache/entries.jsonl` (verified envelopes, one per line,
as in a cassette). A reader refuses, in one line naming the problem and before writing anything:
an unreadable or truncated archive, an unknown format version, a member that is not a plain file
or whose path leaves the target directory, a member missing, unlisted or not matching its sha256,
and an entry whose own checksum fails. The archive is byte-for-byte reproducible (sorted members,
zero timestamps and owners), so packing the same campaign twice gives the same file.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import posixpath
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmhpo.cache.atomic import atomic_file
from llmhpo.harness.errors import UserError
from llmhpo.harness.limits import check_creatable

FORMAT = "llmhpo-campaign-bundle"
FORMAT_VERSION = 1
INDEX = "bundle.json"
CAMPAIGN = "campaign/"
ENTRIES = "cache/entries.jsonl"
SUFFIX = ".llmhpo.tar.gz"
CACHE_DIR = "cache"  # beside the campaign folder when a bundle is unpacked


@dataclass(frozen=True)
class Bundle:
    """A bundle read into memory and verified: its index and its members' bytes by name."""

    path: Path
    index: dict[str, Any]
    members: dict[str, bytes]

    @property
    def campaign(self) -> str:
        return str(self.index.get("campaign") or "campaign")

    def campaign_files(self) -> dict[str, bytes]:
        """The campaign's files by path relative to the campaign folder."""
        return {name[len(CAMPAIGN):]: data for name, data in self.members.items() if name.startswith(CAMPAIGN)}

    def envelopes(self) -> list[dict[str, Any]]:
        """The cache entries, each verified (checksum, fields); UserError naming the first bad line."""
        from llmhpo.cache.store import envelope_problem

        out = []
        for number, line in enumerate(self.members.get(ENTRIES, b"").decode("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                envelope = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"{self.path}: {ENTRIES} line {number} is not valid JSON ({exc.msg})") from None
            problem = envelope_problem(envelope)
            if problem:
                raise UserError(f"{self.path}: {ENTRIES} line {number}: {problem}")
            out.append(envelope)
        return out


def is_bundle(path: Path | str) -> bool:
    """Whether `path` names a bundle file (a campaign source that is not a directory)."""
    return Path(path).expanduser().is_file()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_bundle(path: Path, members: dict[str, bytes], index: dict[str, Any]) -> int:
    """Write `members` (name -> bytes) with their index as a bundle at `path` (atomically); its size."""
    listed = [{"name": name, "size": len(data), "sha256": sha256(data)} for name, data in sorted(members.items())]
    head = {"format": FORMAT, "format_version": FORMAT_VERSION, **index, "members": listed}
    files = [(INDEX, (json.dumps(head, indent=1, sort_keys=True) + "\n").encode("utf-8")),
             *sorted(members.items())]
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, binary=True) as out:
        out.write(buffer.getvalue())
    return len(buffer.getvalue())


def _safe_name(name: str) -> bool:
    """A relative POSIX path that stays inside the folder it is extracted to."""
    return (bool(name) and "\\" not in name and "\0" not in name and not name.startswith("/")
            and posixpath.normpath(name) == name and not any(part in ("..", ".") for part in name.split("/")))


def read_bundle(path: Path | str) -> Bundle:
    """Read and verify a bundle (see the module docstring); UserError in one line naming the problem."""
    path = Path(path).expanduser()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read bundle {path}: {exc.strerror or exc}") from None
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
            for info in tar:
                if not info.isfile():
                    raise UserError(f"{path}: member {info.name!r} is not a plain file (links and folders are refused)")
                if not _safe_name(info.name):
                    raise UserError(f"{path}: member {info.name!r} would be written outside the campaign folder")
                if info.name in members:
                    raise UserError(f"{path}: member {info.name!r} appears twice")
                handle = tar.extractfile(info)
                members[info.name] = handle.read() if handle is not None else b""
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise UserError(f"{path}: truncated or damaged, not a readable llmhpo bundle ({type(exc).__name__}: {exc})") from None
    return Bundle(path, _check_index(path, members), members)


def _check_index(path: Path, members: dict[str, bytes]) -> dict[str, Any]:
    """The verified index; every member listed, present and matching its sha256."""
    if INDEX not in members:
        raise UserError(f"{path}: no {INDEX}: not an llmhpo bundle")
    try:
        index = json.loads(members.pop(INDEX))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: {INDEX} is not valid JSON ({exc})") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise UserError(f"{path}: {INDEX} does not describe an llmhpo bundle")
    version = index.get("format_version")
    if version != FORMAT_VERSION:
        raise UserError(f"{path}: bundle format version {version!r} is not supported "
                        f"(this llmhpo reads version {FORMAT_VERSION}); use a matching llmhpo")
    listed = {}
    for item in index.get("members") or []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise UserError(f"{path}: {INDEX} lists a member without a name")
        listed[item["name"]] = item
    for name, item in listed.items():
        if name not in members:
            raise UserError(f"{path}: member {name} is missing")
        if sha256(members[name]) != item.get("sha256") or len(members[name]) != item.get("size"):
            raise UserError(f"{path}: member {name} is damaged (its sha256 does not match {INDEX})")
    extra = sorted(set(members) - set(listed))
    if extra:
        raise UserError(f"{path}: member {extra[0]} is not listed in {INDEX}")
    if f"{CAMPAIGN}manifest.json" not in members:
        raise UserError(f"{path}: the bundle holds no campaign manifest")
    return index


def write_campaign(bundle: Bundle, directory: Path, cache_dir: Path) -> Path:
    """Write the bundle's campaign into `directory` (created, must be empty) and its entries into the
    cache at `cache_dir`; the manifest then names that cache. Everything is verified first."""
    from llmhpo.cache.store import CacheStore

    envelopes = bundle.envelopes()  # every entry verified before anything is written
    files = bundle.campaign_files()
    manifest = json.loads(files["manifest.json"])
    manifest["cache"] = {**(manifest.get("cache") or {}), "path": str(cache_dir)}
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    if directory.exists() and any(directory.iterdir()):
        raise UserError(f"{directory} is not empty: unpack a bundle into a new folder")
    for name, data in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (directory / "transcripts").mkdir(exist_ok=True)
    with CacheStore(cache_dir) as store:
        for envelope in envelopes:
            store.put_envelope(envelope)
    return directory


def unpack(path: Path | str, out: Path | str) -> tuple[Path, Path, Path]:
    """`llmhpo unpack BUNDLE OUT`: OUT/<campaign>, its cache OUT/cache and OUT/spec.json, the spec
    `llmhpo run` resumes it with; returns (campaign dir, cache dir, spec file)."""
    from llmhpo.harness.spec.campaign_spec import CampaignSpec, parse_spec

    bundle = read_bundle(path)
    out = Path(out).expanduser().resolve()
    directory, cache_dir, spec_file = out / bundle.campaign, out / CACHE_DIR, out / "spec.json"
    check_creatable(out, "output directory")
    for target in (directory, cache_dir, spec_file):
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise UserError(f"{target} already exists: unpack into a new folder")
    manifest = json.loads(bundle.members[f"{CAMPAIGN}manifest.json"])
    document = CampaignSpec.document(manifest.get("spec") or {})
    if parse_spec(document, source=f"{path} (spec)", check=False, allow_large=True).spec_hash != manifest.get("spec_hash"):
        raise UserError(f"{path}: the manifest's spec does not give its spec hash; the bundle cannot be resumed")
    write_campaign(bundle, directory, cache_dir)
    spec_file.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return directory, cache_dir, spec_file


@contextlib.contextmanager
def open_campaign(path: Path | str) -> Iterator[Path]:
    """The campaign directory of a source: a directory is itself; a bundle is verified and unpacked
    into a temporary folder (campaign + its cache), removed when the block ends."""
    if not is_bundle(path):
        yield Path(path)
        return
    bundle = read_bundle(path)
    tmp = Path(tempfile.mkdtemp(prefix="llmhpo-bundle-"))
    try:
        yield write_campaign(bundle, tmp / bundle.campaign, tmp / CACHE_DIR)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def default_report_dir(path: Path | str) -> Path:
    """Where `llmhpo report BUNDLE` writes by default: beside the bundle, `<name>-report`."""
    path = Path(path).expanduser()
    name = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem
    return path.with_name(f"{name}-report")
