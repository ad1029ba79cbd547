"""The result cache: one plain-JSON entry per linted file, trusted only when every key matches.

An entry's file name is derived from the file's path and everything else that decides its findings
(cache format, pvt-lint version and source, interpreter, libcst, effective configuration). Inside, the
entry repeats those keys and the sha256 of the exact bytes it describes; an entry is used only when all of
them match and every field has the expected type. Anything else (garbage, a truncated write, an entry for
other content, another version, a pickle) is ignored and overwritten by the next write: the cache directory
may live in a cloned repository, so nothing read from it is ever evaluated, unpickled or trusted.

Writes go to a temporary file in the same directory and are moved into place with ``os.replace``, so a
reader sees an old entry, a new entry or none, never half of one, whatever runs concurrently.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Optional

from .. import __version__
from ..config import Config
from ..findings import SAFE, UNSAFE, Edit, Finding, Fix, Related
from .rewrite import discard
from ..model.summary import SCHEMA_VERSION as SUMMARY_SCHEMA

FORMAT = 2  # 2: summaries, import lists and facts-judged findings
DIRECTORY_NAME = ".pvt_lint_cache"
_ENTRY_SUFFIX = ".json"
_RECORD_SUFFIX = ".record"  # a project stage's record (JSON too), kept apart from the entries
_TEMP_PREFIX = ".tmp-"

_FINDING_FIELDS = {
    "path": str,
    "line": int,
    "column": int,
    "code": str,
    "message": str,
    "end_line": int,
    "end_column": int,
    "name": str,
    "severity": str,
    "url": str,
    "concept_url": str,
}


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code_fingerprint() -> str:
    """Which pvt-lint code produced an entry: the version plus every source file's name and content.

    An editable install changes without a version bump. Contents, not modification times: a CI job
    that installs the same release on a fresh machine gets new mtimes, and must still find the cache
    it restored from the previous run valid. Reading and hashing the package (~60 files, ~0.5 MB)
    costs about a millisecond.
    """
    package = Path(__file__).resolve().parent.parent  # all of pvt_lint, not only the runner
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*.py")):
        try:
            content = path.read_bytes()
        except OSError:
            continue
        digest.update(f"{path.relative_to(package)}\0{len(content)}\0".encode())
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()


def _libcst_version() -> str:
    """libcst's version without importing it (a fully cached run never imports libcst)."""
    try:
        from importlib.metadata import version

        return version("libcst")
    except Exception:  # noqa: BLE001 - any failure just means "unknown", which still keys the cache
        return "unknown"


class ResultCache:
    """Entries under ``directory``; ``config_fingerprint`` is ``Config.fingerprint()``."""

    def __init__(self, directory: str | os.PathLike, config_fingerprint: str) -> None:
        self.directory = Path(directory)
        self._directory = str(self.directory)
        self.keys = {
            "format": FORMAT,
            "pvt_lint": __version__,
            "code": _code_fingerprint(),
            "python": sys.version,
            "libcst": _libcst_version(),
            "config": hashlib.sha256(config_fingerprint.encode()).hexdigest(),
            "summary_schema": SUMMARY_SCHEMA,
        }
        self._prefix = json.dumps(self.keys, sort_keys=True)
        self._usable: Optional[bool] = None
        self.problem = ""
        self.hits = 0
        self.writes = 0

    # ---- naming -------------------------------------------------------------------------------
    def entry_path(self, path: str, facts: str = "") -> Path:
        return Path(self._entry_file(path, facts))

    def _entry_file(self, path: str, facts: str = "") -> str:
        # The path as shown and the file it names (a relative path means another file from another cwd);
        # findings judged with project facts live in a second entry, beside the plain one. A string: a
        # warm run opens thousands of entries.
        key = f"{self._prefix}\0{path}\0{os.path.abspath(path)}" + (f"\0facts" if facts else "")
        name = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return os.path.join(self._directory, name[:2], name + _ENTRY_SUFFIX)

    def _ensure_directory(self) -> bool:
        """Create the directory with its own ``.gitignore``; False when it cannot be used."""
        if self._usable is None:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                ignore = self.directory / ".gitignore"
                if not ignore.exists():
                    _atomic_write(ignore, "# Created by pvt-lint: the result cache is never committed.\n*\n")
                self._usable = True
            except OSError as exc:
                self.problem = exc.strerror or str(exc)
                self._usable = False
        return self._usable

    def unusable(self) -> Optional[str]:
        """Why the directory cannot hold the cache (creating it if need be), or None when it can."""
        return None if self._ensure_directory() else self.problem

    # ---- a project stage's record ------------------------------------------------------------
    def record_path(self, name: str) -> Path:
        key = f"{self._prefix}\0record\0{name}"
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return self.directory / digest[:2] / (digest + _RECORD_SUFFIX)

    def get_record(self, name: str) -> Optional[dict]:
        """What ``put_record`` stored under ``name`` with these keys, or None (absent, stale or malformed:
        the caller checks every field it uses)."""
        try:
            with open(self.record_path(name), "rb") as handle:
                entry = json.loads(handle.read(64 * 1024 * 1024).decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            return None
        if not isinstance(entry, dict) or entry.get("record") != name:
            return None
        if any(entry.get(key) != value or type(entry.get(key)) is not type(value) for key, value in self.keys.items()):
            return None
        content = entry.get("content")
        return content if isinstance(content, dict) else None

    def put_record(self, name: str, content: dict) -> None:
        if not self._ensure_directory():
            return
        entry = dict(self.keys, record=name, content=content)
        target = self.record_path(name)
        try:
            target.parent.mkdir(exist_ok=True)
            _atomic_write(target, json.dumps(entry, ensure_ascii=True, separators=(",", ":")))
            self.writes += 1
        except OSError:
            pass  # as for entries: a cache that cannot be written costs speed, never results

    # ---- reading ------------------------------------------------------------------------------
    def get(self, path: str, digest: str, module: Optional[str] = None, facts: str = ""):
        """The cached (findings, skipped) for ``path`` with content ``digest``, or None; ``facts`` (a
        ``ModuleFacts`` fingerprint) asks for the findings judged with those facts instead."""
        entry = self.get_entry(path, digest, module, facts)
        return None if entry is None else (entry["findings"], entry["skipped"])

    def get_entry(self, path: str, digest: str, module: Optional[str] = None, facts: str = ""):
        """The whole cached entry: findings, skipped, and for ``module`` its ``imports`` (a tuple or
        None), ``summary`` (JSON text or None) and ``gated`` (the summary came without ``force``)."""
        try:
            with open(self._entry_file(path, facts), "rb") as handle:
                raw = handle.read(64 * 1024 * 1024)
        except (OSError, ValueError):
            return None
        result = self._validate(raw, path, digest, module, facts)
        if result is not None:
            self.hits += 1
        return result

    def _validate(self, raw: bytes, path: str, digest: str, module: Optional[str] = None, facts: str = ""):
        try:
            entry = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        if not isinstance(entry, dict):
            return None
        for key, value in self.keys.items():
            if entry.get(key) != value or type(entry.get(key)) is not type(value):
                return None
        if entry.get("path") != path or entry.get("sha256") != digest:
            return None
        if entry.get("module") != module or entry.get("facts") != facts:
            return None
        imports, summary, gated = entry.get("imports"), entry.get("summary"), entry.get("gated")
        if imports is not None and not (isinstance(imports, list) and all(type(i) is str for i in imports)):
            return None
        if (summary is not None and not isinstance(summary, str)) or type(gated) is not bool:
            return None
        skipped = entry.get("skipped")
        if skipped is not None and not isinstance(skipped, str):
            return None
        findings = findings_from_json(entry.get("findings"), path)
        if findings is None:
            return None
        return {
            "findings": findings, "skipped": skipped, "imports": None if imports is None else tuple(imports),
            "summary": summary, "gated": gated,
        }

    # ---- writing ------------------------------------------------------------------------------
    def put(
        self, path: str, digest: str, findings: list[Finding], skipped: Optional[str], *,
        module: Optional[str] = None, facts: str = "", imports: Optional[tuple[str, ...]] = None,
        summary: Optional[str] = None, gated: bool = False,
    ) -> None:
        if not self._ensure_directory():
            return
        entry = dict(self.keys)
        entry.update(
            path=path,
            sha256=digest,
            module=module,
            facts=facts,
            skipped=skipped,
            findings=findings_to_json(findings),
            imports=None if imports is None else list(imports),
            summary=summary,
            gated=gated,
        )
        target = self.entry_path(path, facts)
        try:
            target.parent.mkdir(exist_ok=True)
            _atomic_write(target, json.dumps(entry, ensure_ascii=True, separators=(",", ":")))
            self.writes += 1
        except OSError:
            pass  # a read-only or full disk costs speed, never results


def _atomic_write(target: Path, text: str) -> None:
    # The temporary name is chosen before the file exists, so an interrupt that lands anywhere (even
    # between the file's creation and the return of the call that created it) still finds it to remove.
    temp = target.with_name(f"{_TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(8)}")
    try:
        with open(temp, "x", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, target)
    except BaseException:
        discard(temp)  # interrupted or failed: no temporary file is left to be mistaken for an entry
        raise


def findings_to_json(findings: list[Finding]) -> list[dict]:
    return [_finding_to_json(f) for f in findings]


def findings_from_json(items, path: str) -> Optional[list[Finding]]:
    """The findings stored for ``path``, or None when anything in them is malformed."""
    if not isinstance(items, list):
        return None
    findings = []
    for item in items:
        finding = _finding_from_json(item, path)
        if finding is None:
            return None
        findings.append(finding)
    return findings


def _finding_to_json(finding: Finding) -> dict:
    data = {name: getattr(finding, name) for name in _FINDING_FIELDS}
    data["related"] = [[r.line, r.column, r.message] + ([r.path] if r.path is not None else []) for r in finding.related]
    fix = finding.fix
    data["fix"] = None if fix is None else [fix.message, fix.safety, [[e.line, e.column, e.end_line, e.end_column, e.content]
                                                                      for e in fix.edits]]
    return data


def _finding_from_json(item, path: str) -> Optional[Finding]:
    if not isinstance(item, dict) or set(item) != {*_FINDING_FIELDS, "related", "fix"}:
        return None
    for name, kind in _FINDING_FIELDS.items():
        value = item[name]
        if type(value) is not kind:
            return None
    if item["path"] != path:
        return None
    related = item["related"]
    if not isinstance(related, list):
        return None
    out = []
    for r in related:
        if not (isinstance(r, list) and len(r) in (3, 4) and type(r[0]) is int and type(r[1]) is int
                and all(type(x) is str for x in r[2:])):
            return None
        out.append(Related(*r))
    fix = _fix_from_json(item["fix"])
    if fix is False:
        return None
    fields = {name: item[name] for name in _FINDING_FIELDS}
    return Finding(**fields, related=tuple(out), fix=fix)


def _fix_from_json(value) -> Optional[Fix] | bool:
    """A cached fix, None for none, False for anything malformed."""
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 3 and type(value[0]) is str and value[1] in (SAFE, UNSAFE)
            and isinstance(value[2], list)):
        return False
    edits = []
    for e in value[2]:
        if not (isinstance(e, list) and len(e) == 5 and all(type(x) is int for x in e[:4]) and type(e[4]) is str):
            return False
        edits.append(Edit(*e))
    return Fix(value[0], value[1], tuple(edits))


def default_directory(root: str) -> str:
    return os.path.join(root, DIRECTORY_NAME)


def open_cache(config: Config, directory: Optional[str] = None) -> ResultCache:
    """The cache for runs with ``config``, in ``directory`` or the project root's default one."""
    # per-file-ignores match paths relative to the root, so the root is part of what decides findings.
    fingerprint = f"{config.fingerprint()}\0{os.path.abspath(config.root)}"
    return ResultCache(directory or default_directory(config.root), fingerprint)
