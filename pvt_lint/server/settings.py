"""The configuration an open file is judged with: the ``[tool.pvt-lint]`` of its project, found and read as
the CLI finds and reads it (config.py), then the editor's own ``select``, ``extend-select`` and ``ignore``
(initializationOptions or workspace/didChangeConfiguration). A project's file is read once and kept until
the server hears that a pyproject.toml changed.

Nothing here speaks the protocol: the server module hands in plain values and shows the problems.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..config import Config, ConfigError, check_selectors, find_pyproject, load_config, parse_code_list, unknown_selector
from ..docs import known_codes
from ..runner.cache import open_cache
from ..runner.project.layout import find_root

SECTION = "pvt-lint"  # the settings section an editor keeps them under
_KEYS = {"select": "select", "extend-select": "extend_select", "extendSelect": "extend_select", "ignore": "ignore"}


@dataclass(frozen=True)
class EditorSettings:
    """What the editor asks for on top of the project's configuration (code prefixes, upper-cased)."""

    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def applied_to(self, config: Config) -> Config:
        """As the CLI's ``--select``, ``--extend-select`` and ``--ignore`` apply to the file's configuration."""
        select = self.select or config.select
        return config.replace(select=(*select, *self.extend_select), ignore=(*config.ignore, *self.ignore))


def editor_settings(value: Any) -> tuple[EditorSettings, list[str]]:
    """The settings in ``value`` (``{"select": [...]}``, or the same under a ``"pvt-lint"`` key; a list of
    codes or one comma-separated string), and a sentence for each value left out because it is wrong."""
    if isinstance(value, dict) and isinstance(value.get(SECTION), dict):
        value = value[SECTION]
    if not isinstance(value, dict):
        return EditorSettings(), []
    found: dict[str, tuple[str, ...]] = {}
    problems = []
    known = None
    for key, field_name in _KEYS.items():
        if value.get(key) is None:
            continue
        codes = _codes(value[key], key)
        if isinstance(codes, str):
            problems.append(codes)
            continue
        known = known or known_codes()
        bad = unknown_selector(codes, known)
        if bad is not None:
            problems.append(f"setting {key!r}: unknown rule selector {bad!r}; the setting is left out")
            continue
        found[field_name] = (*found.get(field_name, ()), *codes)
    return EditorSettings(**found), problems


def _codes(value: Any, key: str) -> tuple[str, ...] | str:
    """Code prefixes from a list or a comma-separated string; a problem sentence when it is neither."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        text = ",".join(value)
    else:
        return f"setting {key!r} must be a list of codes or a comma-separated string; it is left out"
    try:
        return parse_code_list(text, key) if text.strip() else ()
    except ConfigError as exc:  # "command line: 'ignore' has 'XYZ', which is not a rule code or prefix (...)"
        return f"setting {str(exc).partition(': ')[2]}; the setting is left out"


class Settings:
    """Each project's configuration, read once, with the editor's settings on top; and its cache."""

    def __init__(self) -> None:
        self.editor = EditorSettings()
        self._projects: dict[Optional[str], tuple[Config, str]] = {}  # pyproject.toml (None: none) -> (config, problem)
        self._caches: dict[tuple[str, str], object] = {}

    def forget(self) -> None:
        """A pyproject.toml changed: read each project's again when next asked."""
        self._projects.clear()

    def config_for(self, path: str) -> tuple[Config, str]:
        """The configuration for the file ``path``, and "" or why the project's own could not be read (the
        defaults are used instead, as for a project without one)."""
        try:
            found = find_pyproject(path)
        except ConfigError as exc:
            found, problem = None, str(exc)
        else:
            problem = ""
        key = str(found) if found is not None else None
        if problem or key not in self._projects:
            self._projects[key] = _read(found, problem)
        config, problem = self._projects[key]
        if found is None:
            # Without a configuration file the project root holds the cache, as the CLI places it.
            config = config.replace(root=str(find_root(Path(path))))
        return self.editor.applied_to(config), problem

    def cache_for(self, config: Config):
        """The CLI's result cache of the project (None with PVT_LINT_NO_CACHE set, as for the flake8
        plugin, or when its directory cannot be written)."""
        if os.environ.get("PVT_LINT_NO_CACHE"):
            return None
        key = (config.fingerprint(), os.path.abspath(config.root))
        if key not in self._caches:
            cache = open_cache(config)
            self._caches[key] = cache if cache.unusable() is None else None
        return self._caches[key]


def _read(found: Optional[Path], problem: str) -> tuple[Config, str]:
    if found is None:
        return Config(), problem
    try:
        config = load_config(found)
        if config.select != Config.select or config.ignore or config.per_file_ignores:
            check_selectors(config, known_codes())
        config.python_versions()  # a requires-python that cannot be read fails here, as in the CLI
        return config, ""
    except ConfigError as exc:
        return Config(root=str(found.parent)), str(exc)
