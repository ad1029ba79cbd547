"""Pinned real-world corpora for pvt-lint's benchmarks and sweeps.

Every corpus is one sdist, pinned by exact version and sha256 in `corpora.lock.json` beside this file.
Sdists are fetched with pip (the ordinary client, honouring the machine's pip configuration), kept in a
cache outside the repository and extracted to `<cache>/src/<name>-<version>/`.

    python benchmarks/corpora.py fetch [--only NAME ...]
    python benchmarks/corpora.py paths --set concurrency|django|all
    python benchmarks/corpora.py lock [--only NAME ...]    # (re)compute sha256 pins after a version change

The cache is `~/.cache/pvt-lint/corpora`, or `$PVT_LINT_CORPORA` when set. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

LOCK_FILE = Path(__file__).resolve().with_name("corpora.lock.json")
SETS = ("concurrency", "django", "wider", "all")
SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")


class CorpusError(Exception):
    """A corpus could not be fetched, verified or extracted."""


@dataclass(frozen=True)
class Corpus:
    name: str
    version: str
    set: str
    sha256: str | None
    filename: str | None

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


def cache_dir() -> Path:
    override = os.environ.get("PVT_LINT_CORPORA")
    if override:
        return Path(override).expanduser().resolve()
    return Path.home() / ".cache" / "pvt-lint" / "corpora"


def load_lock(path: Path | None = None) -> tuple[dict, list[Corpus]]:
    data = json.loads((path or LOCK_FILE).read_text(encoding="utf-8"))
    corpora = [
        Corpus(
            name=entry["name"],
            version=entry["version"],
            set=entry["set"],
            sha256=entry.get("sha256"),
            filename=entry.get("filename"),
        )
        for entry in data["corpora"]
    ]
    return data, corpora


def select(corpora: list[Corpus], corpus_set: str = "all", only: list[str] | None = None) -> list[Corpus]:
    if corpus_set not in SETS:
        raise CorpusError(f"unknown set {corpus_set!r}; choose from {', '.join(SETS)}")
    chosen = [c for c in corpora if corpus_set == "all" or c.set == corpus_set]
    if only:
        wanted = {name.lower() for name in only}
        unknown = wanted - {c.name for c in corpora}
        if unknown:
            raise CorpusError(f"not in the lock file: {', '.join(sorted(unknown))}")
        chosen = [c for c in chosen if c.name in wanted]
    return chosen


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pip_download(corpus: Corpus, dest: Path) -> Path:
    """Download the sdist of `corpus` into the empty directory `dest` and return its path.

    `pip download` has no way to skip preparing an sdist's metadata, so it runs the package's build
    backend once. `--no-binary NAME` (not `:all:`) forces the sdist for the corpus itself while its build
    requirements may still come as wheels, which is faster and works for every pinned package here.
    `--no-build-isolation` is the fallback for a backend that cannot be installed in isolation.
    """
    base = [
        sys.executable, "-m", "pip", "download",
        "--no-deps", "--no-binary", corpus.name, "--disable-pip-version-check",
        "--dest", str(dest),
    ]
    if corpus.sha256:
        # pip verifies the hash itself as well; a requirements file is the only way to pass one.
        req = dest.parent / f"{corpus.key}.requirements.txt"
        req.write_text(f"{corpus.name}=={corpus.version} --hash=sha256:{corpus.sha256}\n", encoding="utf-8")
        target = ["--require-hashes", "-r", str(req)]
    else:
        target = [f"{corpus.name}=={corpus.version}"]
    attempts = [base + target, base + ["--no-build-isolation"] + target]
    errors = []
    for command in attempts:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        files = [p for p in dest.iterdir() if p.name.endswith(SDIST_SUFFIXES)]
        if result.returncode == 0 and len(files) == 1:
            return files[0]
        errors.append(f"$ {' '.join(command)}\n{result.stdout[-2000:]}")
        for leftover in dest.iterdir():
            leftover.unlink()
        if "DO NOT MATCH THE HASHES" in result.stdout:
            break  # another build mode cannot fix a wrong file
    raise CorpusError(f"pip could not download the sdist of {corpus.key}:\n" + "\n".join(errors))


def download(corpus: Corpus, root: Path, *, allow_unpinned: bool = False) -> tuple[Path, str]:
    """Return the verified cached sdist of `corpus` and its sha256, downloading it when missing."""
    if corpus.sha256 is None and not allow_unpinned:
        raise CorpusError(f"{corpus.key} has no sha256 in {LOCK_FILE.name}; run `corpora.py lock --only {corpus.name}`")
    sdists = root / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    if corpus.filename and (sdists / corpus.filename).is_file():
        cached = sdists / corpus.filename
        actual = sha256_of(cached)
        if corpus.sha256 is None or actual == corpus.sha256:
            return cached, actual
        _log(f"{corpus.key}: cached {cached.name} has sha256 {actual}, expected {corpus.sha256}; downloading again")
        cached.unlink()
    _log(f"{corpus.key}: downloading the sdist with pip")
    with tempfile.TemporaryDirectory(dir=root, prefix=".download-") as tmp:
        dest = Path(tmp) / "out"
        dest.mkdir()
        fetched = _pip_download(corpus, dest)
        actual = sha256_of(fetched)
        if corpus.sha256 is not None and actual != corpus.sha256:
            raise CorpusError(f"{corpus.key}: {fetched.name} has sha256 {actual}, the lock pins {corpus.sha256}")
        if corpus.filename and fetched.name != corpus.filename:
            raise CorpusError(f"{corpus.key}: pip saved {fetched.name}, the lock pins {corpus.filename}")
        final = sdists / fetched.name
        os.replace(fetched, final)
    return final, actual


def _extract_archive(archive: Path, into: Path) -> None:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                target = (into / member).resolve()
                if not target.is_relative_to(into.resolve()):
                    raise CorpusError(f"{archive.name}: member {member!r} escapes the extraction directory")
            zf.extractall(into)
        return
    with tarfile.open(archive) as tf:
        if hasattr(tarfile, "data_filter"):
            tf.extractall(into, filter="data")
            return
        # Python without extraction filters (< 3.10.12 / 3.11.4): skip links, refuse escaping paths.
        members = [m for m in tf.getmembers() if not (m.issym() or m.islnk())]
        for member in members:
            if not (into / member.name).resolve().is_relative_to(into.resolve()):
                raise CorpusError(f"{archive.name}: member {member.name!r} escapes the extraction directory")
        tf.extractall(into, members=members)


def extract(corpus: Corpus, sdist: Path, sha256: str, root: Path) -> Path:
    """Extract `sdist` to `<root>/src/<name>-<version>/` unless that exact archive is already there."""
    src = root / "src"
    src.mkdir(parents=True, exist_ok=True)
    target = src / corpus.key
    # The stamp lives beside the tree, not in it, so the corpus stays byte-for-byte the sdist's content.
    stamp = src / f".{corpus.key}.sha256"
    if target.is_dir() and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == sha256:
        return target
    if target.exists():
        shutil.rmtree(target)
    stamp.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(dir=src, prefix=".extract-") as tmp:
        tmp_path = Path(tmp)
        _extract_archive(sdist, tmp_path)
        entries = list(tmp_path.iterdir())
        # sdists normally hold one top directory, spelled as the project likes (`Django-5.2.19`, ...).
        top = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp_path
        if top is tmp_path:
            moved = tmp_path / corpus.key
            moved.mkdir()
            for entry in entries:
                entry.rename(moved / entry.name)
            top = moved
        top.rename(target)
    stamp.write_text(sha256 + "\n", encoding="utf-8")
    return target


def extracted_path(corpus: Corpus, root: Path | None = None) -> Path:
    return (root or cache_dir()) / "src" / corpus.key


def fetch(corpora: list[Corpus], root: Path | None = None) -> list[Path]:
    """Download, verify and extract each corpus; return the extracted directories in lock order."""
    root = root or cache_dir()
    paths = []
    for corpus in corpora:
        sdist, digest = download(corpus, root)
        paths.append(extract(corpus, sdist, digest, root))
    return paths


def ensure(corpus_set: str = "all", root: Path | None = None) -> list[Path]:
    """The extracted directories of a set, fetching whatever is missing. For the other benchmark scripts."""
    _, corpora = load_lock()
    return fetch(select(corpora, corpus_set), root)


def relock(only: list[str] | None) -> None:
    """Download the chosen entries without a hash check and write their sha256 and file name to the lock."""
    data, corpora = load_lock()
    chosen = select(corpora, "all", only)
    root = cache_dir()
    by_key = {}
    for corpus in chosen:
        unpinned = Corpus(corpus.name, corpus.version, corpus.set, None, None)
        if corpus.filename:
            (root / "sdists" / corpus.filename).unlink(missing_ok=True)
        sdist, digest = download(unpinned, root, allow_unpinned=True)
        by_key[corpus.key] = (sdist.name, digest)
        extract(corpus, sdist, digest, root)
        _log(f"{corpus.key}: {sdist.name} sha256 {digest}")
    for entry in data["corpora"]:
        key = f"{entry['name']}-{entry['version']}"
        if key in by_key:
            entry["filename"], entry["sha256"] = by_key[key]
    LOCK_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    fetch_cmd = commands.add_parser("fetch", help="download, verify and extract the pinned sdists")
    fetch_cmd.add_argument("--only", nargs="+", metavar="NAME", help="only these corpora")
    fetch_cmd.add_argument("--set", choices=SETS, default="all")
    paths_cmd = commands.add_parser("paths", help="print one extracted directory per line (fetching what is missing)")
    paths_cmd.add_argument("--set", choices=SETS, default="all")
    lock_cmd = commands.add_parser("lock", help="download without verifying and rewrite the sha256 pins")
    lock_cmd.add_argument("--only", nargs="+", metavar="NAME", help="only these corpora")
    args = parser.parse_args(argv)

    try:
        if args.command == "lock":
            relock(args.only)
            return 0
        _, corpora = load_lock()
        chosen = select(corpora, args.set, getattr(args, "only", None))
        for path in fetch(chosen):
            print(path)
    except CorpusError as error:
        print(f"corpora.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
