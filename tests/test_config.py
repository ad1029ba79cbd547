"""[tool.pvt-lint] in pyproject.toml: keys, errors that name key and file, CLI precedence."""

import json

import pytest

from pvt_lint.config import Config

from helpers import BUGGY, run_cli


def project(tmp_path, table: str):
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.pvt-lint]\n{table}\n")
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "a.py").write_text(BUGGY)
    (tmp_path / "src" / "b.py").write_text(BUGGY)
    return tmp_path


def codes(result):
    return sorted((f["path"], f["code"]) for f in json.loads(result.stdout))


@pytest.mark.slow
def test_ignore_from_pyproject(tmp_path):
    project(tmp_path, 'ignore = ["PVT1"]')
    result = run_cli("--format", "json", "src", cwd=tmp_path)
    assert result.returncode == 0
    assert codes(result) == []


@pytest.mark.slow
def test_cli_select_overrides_file_select(tmp_path):
    project(tmp_path, 'select = ["PVT2"]')
    assert codes(run_cli("--format", "json", "src", cwd=tmp_path)) == []
    result = run_cli("--format", "json", "--select", "PVT1", "src", cwd=tmp_path)
    assert codes(result) == [("src/a.py", "PVT101"), ("src/b.py", "PVT101")]


@pytest.mark.slow
def test_per_file_ignores(tmp_path):
    project(tmp_path, '[tool.pvt-lint.per-file-ignores]\n"src/b.py" = ["PVT101"]')
    result = run_cli("--format", "json", "src", cwd=tmp_path)
    assert codes(result) == [("src/a.py", "PVT101")]


@pytest.mark.slow
def test_exclude_from_pyproject(tmp_path):
    project(tmp_path, 'extend-exclude = ["b.py"]')
    result = run_cli("--format", "json", "src", cwd=tmp_path)
    assert codes(result) == [("src/a.py", "PVT101")]


@pytest.mark.slow
def test_config_is_found_above_the_first_path(tmp_path):
    project(tmp_path, 'ignore = ["PVT101"]')
    result = run_cli("--no-cache", "--format", "json", str(tmp_path / "src"), cwd="/")
    assert codes(result) == []


@pytest.mark.slow
def test_unknown_key_is_an_error_naming_key_and_file(tmp_path):
    project(tmp_path, 'selekt = ["PVT1"]')
    result = run_cli("src", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"pvt-lint: error: {tmp_path / 'pyproject.toml'}: unknown key 'selekt' in [tool.pvt-lint] "
        "(known keys: exclude, extend-exclude, extend-ignore, extend-select, force-exclude, ignore, max-file-size, "
        "per-file-ignores, platforms, process-starters, respect-gitignore, select, show-source, src, target-version)\n"
    )


@pytest.mark.slow
def test_invalid_values_are_errors(tmp_path):
    project(tmp_path, "select = 3")
    result = run_cli("src", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"pvt-lint: error: {tmp_path / 'pyproject.toml'}: 'select' must be a list of strings\n"
    project(tmp_path, 'ignore = ["W503"]')
    result = run_cli("src", cwd=tmp_path)
    assert result.returncode == 2
    assert "'ignore' has 'W503', which is not a rule code or prefix" in result.stderr
    project(tmp_path, "max-file-size = -1")
    assert run_cli("src", cwd=tmp_path).returncode == 2


@pytest.mark.slow
def test_invalid_toml_is_an_error_with_the_file(tmp_path):
    (tmp_path / "bad.toml").write_text("[tool.pvt-lint\nselect = ")
    (tmp_path / "a.py").write_text(BUGGY)
    result = run_cli("--config", "bad.toml", "a.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("pvt-lint: error: bad.toml: invalid TOML: ")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_missing_config_file_is_an_error(tmp_path):
    result = run_cli("--config", "nope.toml", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "pvt-lint: error: nope.toml: cannot read configuration: No such file or directory\n"


def test_longest_prefix_wins_between_select_and_ignore():
    config = Config(select=("PVT101",), ignore=("PVT1",))
    assert config.code_enabled("PVT101")
    assert not config.code_enabled("PVT102")
    config = Config(select=("PVT",), ignore=("PVT1",))
    assert not config.code_enabled("PVT101")
    assert config.code_enabled("PVT201")
    assert Config(select=("PVT2",)).code_enabled("PVT000"), "syntax errors are always reported"


@pytest.mark.slow
def test_force_exclude_applies_excludes_to_named_files(tmp_path):
    project(tmp_path, 'extend-exclude = ["vendored"]')
    (tmp_path / "src" / "vendored").mkdir()
    (tmp_path / "src" / "vendored" / "c.py").write_text(BUGGY)
    named = ("src/a.py", "src/vendored/c.py")
    assert codes(run_cli("--format", "json", *named, cwd=tmp_path)) == [
        ("src/a.py", "PVT101"), ("src/vendored/c.py", "PVT101"),
    ]
    assert codes(run_cli("--format", "json", "--force-exclude", *named, cwd=tmp_path)) == [("src/a.py", "PVT101")]
    project(tmp_path, 'extend-exclude = ["vendored"]\nforce-exclude = true')
    assert codes(run_cli("--format", "json", *named, cwd=tmp_path)) == [("src/a.py", "PVT101")]
    project(tmp_path, 'force-exclude = "yes"')
    result = run_cli("src", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"pvt-lint: error: {tmp_path / 'pyproject.toml'}: 'force-exclude' must be true or false\n"


def test_a_path_is_excluded_by_a_directory_above_it_below_the_root_only(tmp_path):
    # What a walk from the root would skip: the file, or a folder between the root and the file, matches.
    project = tmp_path / "build" / "project"  # "build" is a default exclude, above the root: no matter
    (project / "vendor" / "lib").mkdir(parents=True)
    config = Config(root=str(project), extend_exclude=("vendor",))
    assert config.is_excluded(str(project / "vendor" / "lib" / "a.py"))
    assert config.is_excluded(str(project / "vendor"))
    assert config.is_excluded(str(project / "src" / "build" / "b.py"))
    assert not config.is_excluded(str(project / "src" / "vendored.py"))
    assert not config.is_excluded(str(project / "lib" / "a.py"))
    assert not config.is_excluded(str(tmp_path / "vendor" / "a.py"))  # outside the root: its own name only
