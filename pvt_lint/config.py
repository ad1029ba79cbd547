"""``[tool.pvt-lint]`` and command-line options become one frozen Config."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "build", "dist", ".tox",
    ".nox", "node_modules", "site-packages", ".pvt_lint_cache", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".eggs",
)

KNOWN_KEYS = frozenset(
    {"select", "ignore", "exclude", "extend-exclude", "per-file-ignores", "max-file-size", "force-exclude"}
    | {"extend-select", "extend-ignore"}  # as ruff's: added to select / ignore
    | {"respect-gitignore", "show-source"}
    | {"src", "process-starters"}  # the project stage: import roots and the user's own process starters
    | {"target-version", "platforms"}  # which Python versions and systems the program runs on
)

# ruff's spelling of the Python versions, oldest first; the first is the default, as for ruff.
TARGET_VERSIONS = tuple(f"py3{minor}" for minor in range(8, 15))
PLATFORMS = ("linux", "macos", "windows")  # pvt_lint.apis.DEFAULT_START_METHODS has a row for each

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024

# Codes that are off until selected by a prefix longer than "PVT" (ruff's RUF100 is not in its default
# set either): PVT001, unused-noqa, reports comments, not bugs.
OPT_IN = frozenset({"PVT001"})


class ConfigError(Exception):
    """Bad configuration: the message names the key and the file."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("PVT",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    force_exclude: bool = False  # apply excludes to paths named on the command line too
    src: tuple[str, ...] = ()  # import roots, relative to the config file's directory (ruff's ``src``)
    process_starters: tuple[str, ...] = ()  # the user's own functions that start processes (dotted)
    respect_gitignore: bool = True  # leave out what git ignores when walking directories (ruff's default)
    show_source: bool = False  # the text report shows each finding's line and a caret (flake8's show-source)
    target_version: str = TARGET_VERSIONS[0]  # the oldest Python the program runs on (given, or from requires-python)
    platforms: tuple[str, ...] = PLATFORMS  # the systems it runs on
    requires_python: str = ""  # [project] requires-python beside the configuration: its upper bound counts too
    root: str = "."
    source: str = ""

    def replace(self, **changes) -> "Config":
        return replace(self, **changes)

    def code_enabled(self, code: str, path: str | None = None) -> bool:
        """Longest matching prefix wins between select and ignore, as in ruff."""
        if code == "PVT000":
            return True
        ignores = list(self.ignore)
        if path is not None:
            ignores.extend(self.file_ignores(path))
        best_select = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        if code in OPT_IN and best_select <= len("PVT"):
            return False  # named by its own family or code only: "PVT" and "ALL" mean the default rules
        best_ignore = max((len(p) for p in ignores if code.startswith(p)), default=-1)
        return best_select >= 0 and best_select > best_ignore

    def file_ignores(self, path: str) -> list[str]:
        rel = self.relative_to_root(path)
        out: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if _glob_match(rel, pattern):
                out.extend(codes)
        return out

    def is_excluded(self, path: str | PurePath) -> bool:
        """Would a walk from the root skip ``path``: does it, or a directory above it below the root, match
        an exclude pattern (by name or by path)? Outside the root only the path itself is matched."""
        inside = _inside(str(path), self.root)
        rel = inside if inside is not None else PurePath(path).as_posix()
        directory, _, name = rel.rpartition("/")
        if self.excludes_entry(name or rel, rel):
            return True
        return inside is not None and bool(directory) and _excluded_directory((*self.exclude, *self.extend_exclude), directory)

    def excludes_entry(self, name: str, rel: str) -> bool:
        """``is_excluded`` for an entry whose name and root-relative path (``relative_to_root``) are known."""
        matches = _glob_matcher((*self.exclude, *self.extend_exclude))
        return bool(matches(name) or matches(rel))

    def relative_to_root(self, path: str) -> str:
        """``path`` relative to the project root after resolving symbolic links, or as given when outside it."""
        inside = _inside(path, self.root)
        return PurePath(path).as_posix() if inside is None else inside

    def excludes_named_path(self, path: str) -> bool:
        """With force-exclude, is a path given on the command line (or an ancestor) excluded?

        pre-commit passes file names, so this is how `fixtures/` stays out of a hook run.
        """
        if not self.force_exclude:
            return False
        parts = PurePath(self.relative_to_root(path)).parts
        matches = _glob_matcher((*self.exclude, *self.extend_exclude))
        for end in range(1, len(parts) + 1):
            if matches(parts[end - 1]) or matches("/".join(parts[:end])):
                return True
        return False

    def fingerprint(self) -> str:
        """What of the configuration can change a file's findings (for the result cache)."""
        return repr((self.select, self.ignore, self.per_file_ignores, self.src, self.process_starters,
                     self.python_versions(), self.platforms))

    def python_versions(self) -> tuple[tuple[int, int], ...]:
        """The Python versions the program may run on, oldest first: ``target_version`` and every later
        version ``requires_python`` admits ((3, 14) stands for 3.14 and every later version). A target
        is a minimum, so only an upper bound in requires-python (``<3.14``) leaves the newest ones out."""
        return _python_versions(self.target_version, self.requires_python)


@functools.lru_cache(maxsize=4096)
def _excluded_directory(patterns: tuple[str, ...], directory: str) -> bool:
    """Does a pattern match ``directory`` (root-relative, ``/`` separated) or a directory above it?"""
    parent, _, name = directory.rpartition("/")
    matches = _glob_matcher(patterns)
    if matches(name) or matches(directory):
        return True
    return bool(parent) and _excluded_directory(patterns, parent)


@functools.lru_cache(maxsize=64)
def _glob_matcher(patterns: tuple[str, ...]):
    """One compiled regex that matches what ``fnmatchcase`` matches for any of ``patterns`` (a walk
    checks every entry against every exclude pattern: one match instead of a loop over them)."""
    if not patterns:
        return lambda text: None
    joined = "|".join(f"(?:{fnmatch.translate(pattern.rstrip('/'))})" for pattern in patterns)
    return re.compile(joined).match


def _inside(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` (``/`` separated) after resolving symbolic links; None outside it."""
    try:
        real, real_root = real_path(path), _real_directory(root)
    except (OSError, ValueError):
        return None
    if real == real_root:
        return "."
    prefix = real_root if real_root.endswith(os.sep) else real_root + os.sep
    if not real.startswith(prefix):
        return None
    # ``real`` is resolved, so already normal: only the separator may need changing.
    relative = real[len(prefix):]
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _real_directory(directory: str) -> str:
    # Keyed by the working directory too: a relative name means another directory after a chdir.
    return _real_directory_in(os.getcwd(), directory)


@functools.lru_cache(maxsize=4096)
def _real_directory_in(cwd: str, directory: str) -> str:
    return os.path.realpath(os.path.join(cwd, directory))


def real_path(path: str) -> str:
    """``os.path.realpath(path)``, resolving each directory once per run (a walk asks for thousands
    of files in the same few hundred directories, and resolving costs a system call per component)."""
    head, tail = os.path.split(path)
    if tail in ("", ".", ".."):
        return os.path.realpath(path)
    full = os.path.join(_real_directory(head or os.curdir), tail)
    return os.path.realpath(full) if os.path.islink(full) else full


def _glob_match(rel: str, pattern: str) -> bool:
    """per-file-ignores: a glob over the path, or a directory prefix."""
    pattern = pattern.rstrip("/")
    if "/" not in pattern and fnmatch.fnmatchcase(PurePath(rel).name, pattern):
        return True  # as in ruff, a pattern without a slash matches the file name at any depth
    return fnmatch.fnmatchcase(rel, pattern) or rel.startswith(pattern + "/")


def find_pyproject(start: str | Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.pvt-lint] table."""
    here = Path(start).resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                # As ruff: a project's pyproject.toml that cannot be read is an error, not the defaults.
                load_config(candidate)
                raise  # pragma: no cover - load_config raises ConfigError for each of these
            _no_misspelt_table(data, candidate)
            if "pvt-lint" in data.get("tool", {}):
                return candidate
    return None


@functools.lru_cache(maxsize=16)
def _python_versions(target: str, requires_python: str) -> tuple[tuple[int, int], ...]:
    later = [(3, minor) for minor in range(_minor(target), _LATEST + 1)]
    if not requires_python:
        return tuple(later)
    clauses = parse_requires_python(requires_python, "requires-python")
    admitted = [version for version in later if _admits(clauses, version[1])]
    return tuple(admitted or later)  # a target above everything requires-python admits: the target wins


def _minor(target_version: str) -> int:
    return int(target_version[3:])


_LATEST = _minor(TARGET_VERSIONS[-1])
# One clause of a PEP 440 version specifier; pre-, post- and dev-release parts are read as the release.
_CLAUSE = re.compile(r"(~=|===|==|!=|<=|>=|<|>)\s*v?(\d+(?:\.\d+)*)(\.\*)?(?:[-_.]?(?:a|b|rc|c|post|dev)\d*)*")


def parse_requires_python(text: str, where: str) -> tuple[tuple[str, tuple[int, ...], bool], ...]:
    """``>=3.9, <3.14`` as ((">=", (3, 9), False), ("<", (3, 14), False)); the bool is a ``.*`` suffix."""
    clauses = []
    for part in text.split(","):
        match = _CLAUSE.fullmatch(part.strip())
        if match is None or (match[1] == "~=" and "." not in match[2]):
            raise ConfigError(f"{where} has {text!r}, which is not a version specifier (expected e.g. '>=3.9,<3.14')")
        clauses.append((match[1], tuple(int(n) for n in match[2].split(".")), bool(match[3])))
    return tuple(clauses)


def _admits(clauses, minor: int) -> bool:
    """Does some release 3.minor.patch satisfy every clause? ``_LATEST`` stands for itself and every later minor."""
    minors = range(minor, minor + 20) if minor == _LATEST else (minor,)
    return any(all(_satisfies((3, m, patch), *clause) for clause in clauses) for m in minors for patch in range(100))


def _satisfies(release: tuple[int, ...], op: str, version: tuple[int, ...], prefix: bool) -> bool:
    if prefix:  # ``==3.10.*``, ``!=3.11.*``
        same = (release + (0,) * len(version))[: len(version)] == version
        return same if op == "==" else not same
    size = max(len(release), len(version))
    mine, theirs = release + (0,) * (size - len(release)), version + (0,) * (size - len(version))
    if op == "~=":  # ``~=3.9.1``: >=3.9.1 and ==3.9.*
        return mine >= theirs and release[: len(version) - 1] == version[:-1]
    return {"==": mine == theirs, "===": mine == theirs, "!=": mine != theirs, "<": mine < theirs,
            "<=": mine <= theirs, ">": mine > theirs, ">=": mine >= theirs}[op]


def lowest_target(requires_python: str, where: str) -> str:
    """ruff's derivation of target-version: the lowest minor version requires-python admits (3.8 at least)."""
    clauses = parse_requires_python(requires_python, where)
    for minor in range(0, _LATEST + 1):
        if _admits(clauses, minor):
            return TARGET_VERSIONS[max(minor - _minor(TARGET_VERSIONS[0]), 0)]
    raise ConfigError(f"{where} has {requires_python!r}, which admits no Python 3 version")


def target_version(value, where: str) -> str:
    """A target-version value checked: one of py38 .. py314."""
    if not isinstance(value, str) or value not in TARGET_VERSIONS:
        raise ConfigError(f"{where} has {value!r}, which is not a target version (expected {', '.join(TARGET_VERSIONS)})")
    return value


def platforms(values, where: str) -> tuple[str, ...]:
    """A platforms value checked: some of linux, macos, windows, at least one, in the order given."""
    for value in values:
        if value not in PLATFORMS:
            raise ConfigError(f"{where} has {value!r}, which is not a platform (expected {', '.join(PLATFORMS)})")
    if not values:
        raise ConfigError(f"{where} must name at least one platform ({', '.join(PLATFORMS)})")
    return tuple(dict.fromkeys(values))


def load_config(path: str | Path) -> Config:
    """Read [tool.pvt-lint] from a pyproject.toml (or a pvt-lint.toml with top-level keys)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: configuration is not valid UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    _no_misspelt_table(data, path)
    if path.name == "pyproject.toml" or "tool" in data:
        table = data.get("tool", {}).get("pvt-lint", {})
    else:
        table = data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.pvt-lint] must be a table")
    config = from_table(table, path)
    project = data.get("project", {}) if path.name == "pyproject.toml" else {}
    requires = project.get("requires-python") if isinstance(project, dict) else None
    if requires is None:
        return config
    where = f"{path}: [project] 'requires-python'"
    if not isinstance(requires, str):
        raise ConfigError(f"{where} must be a string")
    derived = config.target_version if "target-version" in table else lowest_target(requires, where)
    parse_requires_python(requires, where)  # an explicit target-version still reads the upper bound
    return config.replace(requires_python=requires, target_version=derived)


def _no_misspelt_table(data: dict, path: Path) -> None:
    """``[tool.pvt_lint]`` or ``[tool.pvtlint]`` would otherwise be ignored without a word."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        return
    for name in tool:
        if name != "pvt-lint" and name.replace("_", "-").lower() in ("pvt-lint", "pvtlint"):
            raise ConfigError(f"{path}: [tool.{name}] is not read; did you mean [tool.pvt-lint]?")


def from_table(table: dict, path: Path) -> Config:
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r} in [tool.pvt-lint] "
            f"(known keys: {', '.join(sorted(KNOWN_KEYS))})"
        )
    config = Config(root=str(path.parent), source=str(path))
    changes: dict = {}
    for key in ("select", "ignore"):
        if key in table:
            changes[key] = _codes(table[key], key, path)
    for key, base in (("extend-select", "select"), ("extend-ignore", "ignore")):
        if key in table:
            changes[base] = (*changes.get(base, getattr(config, base)), *_codes(table[key], key, path))
    for key in ("exclude", "extend-exclude"):
        if key in table:
            changes[key.replace("-", "_")] = _strings(table[key], key, path)
    if "per-file-ignores" in table:
        value = table["per-file-ignores"]
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: 'per-file-ignores' must be a table of glob = [codes]")
        changes["per_file_ignores"] = tuple(
            (glob, _codes(codes, f"per-file-ignores.{glob}", path))
            for glob, codes in value.items()
        )
    if "max-file-size" in table:
        value = table["max-file-size"]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{path}: 'max-file-size' must be a positive integer (bytes)")
        changes["max_file_size"] = value
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError(f"{path}: 'respect-gitignore' must be true or false")
        changes["respect_gitignore"] = table["respect-gitignore"]
    for key in ("force-exclude", "show-source"):
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{path}: {key!r} must be true or false")
            changes[key.replace("-", "_")] = table[key]
    if "src" in table:
        changes["src"] = _strings(table["src"], "src", path)
    if "process-starters" in table:
        starters = _strings(table["process-starters"], "process-starters", path)
        for name in starters:
            if not all(part.isidentifier() for part in name.split(".")):
                raise ConfigError(f"{path}: 'process-starters' has {name!r}, which is not a dotted name")
        changes["process_starters"] = starters
    if "target-version" in table:
        changes["target_version"] = target_version(table["target-version"], f"{path}: 'target-version'")
    if "platforms" in table:
        changes["platforms"] = platforms(_strings(table["platforms"], "platforms", path), f"{path}: 'platforms'")
    return config.replace(**changes)


def _strings(value, key: str, path: Path) -> tuple[str, ...]:
    # A string where a list belongs is a type error, as in ruff (it is not quietly wrapped).
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {key!r} must be a list of strings")
    return tuple(value)


def _codes(value, key: str, path: Path | str) -> tuple[str, ...]:
    # Only the command line (a str from parse_code_list) is a comma-separated string.
    codes = _strings(value, key, path) if path != "command line" else tuple(
        c.strip() for c in value.split(",") if c.strip()
    )
    # Codes are case-insensitive everywhere: --select, the config, # noqa and --explain.
    codes = tuple("PVT" if c.upper() == "ALL" else c.upper() for c in codes)
    for code in codes:
        if not valid_code_prefix(code):
            raise ConfigError(
                f"{path}: {key!r} has {code!r}, which is not a rule code or prefix "
                f"(expected PVT, PVT1, PVT101, ...)"
            )
    return codes


def unknown_selector(codes: tuple[str, ...], known: tuple[str, ...]) -> str | None:
    """The first of ``codes`` that selects no known rule (``PVT9``, ``PVT999``), else None."""
    for code in codes:
        if not any(k.startswith(code) for k in known):
            return code
    return None


def check_selectors(config: Config, known: tuple[str, ...]) -> None:
    """Every code in the configuration file names a rule or a prefix of one, as ruff requires."""
    keyed = [("select' or 'extend-select", config.select), ("ignore' or 'extend-ignore", config.ignore)]
    keyed += [(f"per-file-ignores.{glob}", codes) for glob, codes in config.per_file_ignores]
    for key, codes in keyed:
        bad = unknown_selector(codes, known)
        if bad is not None:
            raise ConfigError(f"{config.source}: unknown rule selector {bad!r} in {key!r}")


def valid_code_prefix(code: str) -> bool:
    return code == "ALL" or (code.startswith("PVT") and len(code) <= 6 and (code == "PVT" or code[3:].isdigit()))


def parse_code_list(text: str, option: str) -> tuple[str, ...]:
    return _codes(text, option, "command line")
