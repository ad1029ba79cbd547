"""Where a project is and what its modules are called: pure functions over paths.

The root is the nearest directory, from a linted path upward, that holds a ``pyproject.toml``,
``setup.cfg``, ``setup.py`` or ``.git``. The import roots are the directories ``import x`` searches
for the project's own code: a ``src`` list (the ``src`` setting, like ruff's) when one is given,
otherwise the root and, if it exists, ``root/src``.

A module's name is what Python calls it when the program runs: the chain of ``__init__.py``
directories above the file, named from the directory that holds the top package. A file outside any
package (a script in ``examples/``, ``manage.py``) is a top-level module named after its stem, as when
``python examples/demo.py`` puts ``examples/`` on ``sys.path``. A script without ``.py`` counts when it
is named explicitly. Plain directories below an import root count as namespace packages only when
the roots come from the ``src`` setting: by default ``examples/demo.py`` is the script ``demo``.
Two files that would have the same name: the first in path order keeps it, the others are listed
in ``conflicts`` (their imports of each other cannot be told apart).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ...model.names import resolve_relative  # noqa: F401  (re-exported: layout users resolve imports too)

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
SOURCE_SUFFIXES = (".py", ".pyi")
# Directories never holding the project's own modules.
SKIPPED_DIRECTORIES = frozenset(
    {"__pycache__", "node_modules", "site-packages", "build", "dist", "venv", "env", "__pypackages__"}
)


def find_root(path: Path) -> Path:
    """The project root of ``path`` (a file or a directory): the nearest ancestor with a marker,
    else the directory above the topmost package holding ``path``."""
    start = Path(os.path.abspath(path))
    here = start if start.is_dir() else start.parent
    for candidate in (here, *here.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    while (here / "__init__.py").is_file() and here.parent != here:
        here = here.parent
    return here


def import_roots(root: Path, src: Sequence[str] = ()) -> tuple[Path, ...]:
    """The directories the project's imports start from, deepest first (a ``src`` entry is
    relative to ``root`` unless absolute)."""
    root = Path(os.path.abspath(root))
    if src:
        roots = [Path(os.path.abspath(root / entry)) for entry in src]
    else:
        roots = [root] + ([root / "src"] if (root / "src").is_dir() else [])
    unique = sorted(set(roots), key=lambda p: (-len(p.parts), str(p)))
    return tuple(unique)


def module_name(path: Path, roots: Sequence[Path] = (), chains: Optional[dict] = None) -> Optional[str]:
    """What Python names the module in ``path``; None for a name that cannot be imported.

    Inside a package: the ``__init__.py`` chain. Outside one: the stem. With ``roots`` (given as the
    ``src`` setting), a file below a root through plain directories (a namespace package) is named
    from that root. ``chains``: a dict kept across the calls of one walk, so that each directory's
    package chain is looked up once.
    """
    return _module_name(os.path.abspath(path), roots, {} if chains is None else chains)


def _module_name(path: str, roots: Sequence[Path], chains: dict) -> Optional[str]:
    """``module_name`` of an absolute path given as a string (a walk names thousands: no Path each)."""
    directory, name = os.path.split(path)
    stem, suffix = os.path.splitext(name)
    if suffix not in SOURCE_SUFFIXES:
        stem = name
    packages, here = _package_chain(directory, chains)
    parts = [*packages] + ([] if stem == "__init__" else [stem])
    if roots:
        folder = Path(here)
        for root in roots:  # deepest first: src/ before the root that holds it
            root = Path(os.path.abspath(root))
            if folder == root:
                break
            if root in folder.parents and _namespace_chain(folder, root):
                parts[:0] = folder.relative_to(root).parts
                break
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


def _package_chain(directory: str, chains: dict) -> tuple[tuple[str, ...], str]:
    """(the package names from the outermost down to ``directory``, the directory above the outermost)."""
    found = chains.get(directory)
    if found is None:
        parent, name = os.path.split(directory)
        if name and os.path.isfile(os.path.join(directory, "__init__.py")):
            above, top = _package_chain(parent, chains)
            found = ((*above, name), top)
        else:
            found = ((), directory)
        chains[directory] = found
    return found


def _namespace_chain(here: Path, root: Path) -> bool:
    """Does ``root`` reach ``here`` through plain directories that Python would take as a
    namespace package (identifiers, not skipped, holding no ``__init__.py``)?"""
    relative = here.relative_to(root).parts
    return all(part.isidentifier() and part not in SKIPPED_DIRECTORIES for part in relative)


@dataclass
class ProjectLayout:
    """Every module of a project, by name and by file."""

    root: Path
    roots: tuple[Path, ...]
    modules: dict[str, Path] = field(default_factory=dict)  # name -> file
    files: dict[str, str] = field(default_factory=dict)  # str(file) -> name: ``module_of`` makes no Path
    conflicts: dict[str, tuple[Path, ...]] = field(default_factory=dict)  # name -> the files that lost it
    packages: frozenset[str] = frozenset()  # names whose file is an __init__

    def module_of(self, path: str | Path) -> Optional[str]:
        return self.files.get(os.path.abspath(path))

    def file_of(self, name: str) -> Optional[Path]:
        return self.modules.get(name)

    def is_package(self, name: str) -> bool:
        return name in self.packages

    def top_level(self) -> frozenset[str]:
        """First-party top-level names: ``import x`` of one of these is the project's own code."""
        return frozenset(name.split(".", 1)[0] for name in self.modules)


def has_marker(root: Path) -> bool:
    return any((root / marker).exists() for marker in ROOT_MARKERS)


def discover(root: Path, src: Sequence[str] = (), scripts: Iterable[Path] = (), walk_all: bool = True) -> ProjectLayout:
    """Walk the import roots for source files (plus ``scripts``, named explicitly, with or without
    ``.py``) and name every module. Without ``walk_all``, only the roots' packages are walked into, not
    their other folders (which a folder that is no project, such as ``/tmp``, may hold anything in).
    Deterministic: the same tree gives the same layout."""
    root = Path(os.path.abspath(root))
    roots = import_roots(root, src)
    found: set[str] = set()
    for base in roots:
        found.update(_source_files(str(base), packages_only=not walk_all))
    found.update(os.path.abspath(p) for p in scripts if os.path.isfile(p))
    layout = ProjectLayout(root=root, roots=roots)
    losers: dict[str, list[Path]] = {}
    packages = set()
    chains: dict = {}
    for text in sorted(found, key=lambda p: (p.endswith(".pyi"), p)):  # .py beats its stub
        name = _module_name(text, roots if src else (), chains)
        if name is None:
            continue
        path = Path(text)
        if name in layout.modules:
            if os.path.splitext(layout.modules[name])[0] != os.path.splitext(text)[0]:
                losers.setdefault(name, []).append(path)
            continue
        layout.modules[name] = path
        layout.files[text] = name
        if path.stem == "__init__":
            packages.add(name)
    layout.conflicts = {name: tuple(paths) for name, paths in sorted(losers.items())}
    layout.packages = frozenset(packages)
    return layout


def _source_files(base: str, packages_only: bool = False) -> list[str]:
    """Every source file under ``base`` (absolute), as strings: a walk of thousands of files makes no
    Path for each."""
    out: list[str] = []
    if not os.path.isdir(base):
        return out
    join, exists, isfile = os.path.join, os.path.exists, os.path.isfile
    for directory, subdirectories, files in os.walk(base):
        subdirectories[:] = [
            d for d in sorted(subdirectories)
            if not d.startswith(".") and d not in SKIPPED_DIRECTORIES and not d.endswith(".egg-info")
            and not exists(join(directory, d, "pyvenv.cfg"))
            and not (packages_only and not isfile(join(directory, d, "__init__.py")))
        ]
        out.extend(join(directory, f) for f in sorted(files) if f.endswith(SOURCE_SUFFIXES))
    return out
