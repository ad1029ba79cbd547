"""Project layout: the root, the import roots and every module's name, from tmp_path trees."""

from pathlib import Path

from pvt_lint.runner.project.layout import discover, find_root, import_roots, module_name, resolve_relative


def tree(base: Path, *files: str) -> Path:
    for rel in files:
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")
    return base


def names(layout) -> dict[str, str]:
    return {name: str(path.relative_to(layout.root)) for name, path in layout.modules.items()}


def test_root_is_the_nearest_marker_above_a_file(tmp_path):
    tree(tmp_path, "pyproject.toml", "pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/a.py")
    assert find_root(tmp_path / "pkg" / "sub" / "a.py") == tmp_path
    assert find_root(tmp_path / "pkg") == tmp_path


def test_each_marker_makes_a_root(tmp_path):
    for marker in ("setup.cfg", "setup.py", ".git"):
        base = tmp_path / marker.strip(".")
        tree(base, marker, "m.py")
        assert find_root(base / "m.py") == base


def test_without_a_marker_the_root_is_above_the_top_package(tmp_path):
    tree(tmp_path, "outer/pkg/__init__.py", "outer/pkg/a.py")
    # tmp_path has no marker above it in a normal temp dir; guard for the odd machine that does
    found = find_root(tmp_path / "outer" / "pkg" / "a.py")
    assert found == tmp_path / "outer" or (tmp_path / "outer") in found.parents or found in tmp_path.parents


def test_import_roots_default_to_root_and_src(tmp_path):
    tree(tmp_path, "pyproject.toml", "src/pkg/__init__.py")
    assert import_roots(tmp_path) == (tmp_path / "src", tmp_path)
    tree(tmp_path / "flat", "pyproject.toml")
    assert import_roots(tmp_path / "flat") == (tmp_path / "flat",)


def test_a_src_setting_replaces_the_default(tmp_path):
    tree(tmp_path, "pyproject.toml", "lib/python/pkg/__init__.py", "src/x.py")
    assert import_roots(tmp_path, ["lib/python"]) == (tmp_path / "lib" / "python",)


def test_module_names_follow_the_init_chain(tmp_path):
    tree(tmp_path, "pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/a.py", "script.py", "examples/demo.py")
    assert module_name(tmp_path / "pkg" / "sub" / "a.py") == "pkg.sub.a"
    assert module_name(tmp_path / "pkg" / "sub" / "__init__.py") == "pkg.sub"
    assert module_name(tmp_path / "script.py") == "script"
    assert module_name(tmp_path / "examples" / "demo.py") == "demo"


def test_a_file_whose_name_is_not_an_identifier_has_no_module_name(tmp_path):
    tree(tmp_path, "my-script.py", "pkg/__init__.py", "pkg/0bad.py")
    assert module_name(tmp_path / "my-script.py") is None
    assert module_name(tmp_path / "pkg" / "0bad.py") is None


def test_src_layout_names_packages_from_src(tmp_path):
    tree(tmp_path, "pyproject.toml", "src/pkg/__init__.py", "src/pkg/a.py", "tests/test_a.py", "main.py")
    layout = discover(tmp_path)
    assert names(layout) == {
        "pkg": "src/pkg/__init__.py", "pkg.a": "src/pkg/a.py", "test_a": "tests/test_a.py", "main": "main.py",
    }
    assert layout.module_of(tmp_path / "src" / "pkg" / "a.py") == "pkg.a"
    assert layout.file_of("pkg.a") == tmp_path / "src" / "pkg" / "a.py"
    assert layout.is_package("pkg") and not layout.is_package("pkg.a")
    assert layout.top_level() == frozenset({"pkg", "test_a", "main"})


def test_explicit_src_roots_name_namespace_packages(tmp_path):
    tree(tmp_path, "pyproject.toml", "lib/ns/pkg/__init__.py", "lib/ns/pkg/a.py", "lib/tool.py")
    layout = discover(tmp_path, src=["lib"])
    assert names(layout) == {"ns.pkg": "lib/ns/pkg/__init__.py", "ns.pkg.a": "lib/ns/pkg/a.py", "tool": "lib/tool.py"}


def test_discovery_skips_virtualenvs_caches_and_hidden_directories(tmp_path):
    tree(
        tmp_path, "pyproject.toml", "app.py", ".venv/lib/x.py", "venv2/pyvenv.cfg", "venv2/lib/y.py",
        "__pycache__/z.py", "build/lib/w.py", "pkg.egg-info/v.py", "node_modules/n.py",
    )
    assert names(discover(tmp_path)) == {"app": "app.py"}


def test_a_script_without_suffix_is_a_module_when_named(tmp_path):
    tree(tmp_path, "pyproject.toml", "bin/runner", "pkg/__init__.py")
    layout = discover(tmp_path, scripts=[tmp_path / "bin" / "runner"])
    assert layout.modules["runner"] == tmp_path / "bin" / "runner"
    assert "runner" not in discover(tmp_path).modules


def test_a_stub_does_not_shadow_its_module_and_clashing_scripts_are_reported(tmp_path):
    tree(tmp_path, "pyproject.toml", "pkg/__init__.py", "pkg/a.py", "pkg/a.pyi", "one/run.py", "two/run.py")
    layout = discover(tmp_path)
    assert layout.modules["pkg.a"] == tmp_path / "pkg" / "a.py"
    assert layout.modules["run"] == tmp_path / "one" / "run.py"
    assert layout.conflicts == {"run": (tmp_path / "two" / "run.py",)}


def test_discovery_is_deterministic(tmp_path):
    tree(tmp_path, "pyproject.toml", *(f"pkg{i}/__init__.py" for i in range(5)), *(f"pkg{i}/m.py" for i in range(5)))
    assert list(discover(tmp_path).modules.items()) == list(discover(tmp_path).modules.items())
    assert list(discover(tmp_path).modules) == sorted(discover(tmp_path).modules)


def test_relative_imports_resolve_against_the_package():
    assert resolve_relative("pkg.sub.a", False, 1, "b") == "pkg.sub.b"
    assert resolve_relative("pkg.sub.a", False, 2, "c.d") == "pkg.c.d"
    assert resolve_relative("pkg.sub.a", False, 1) == "pkg.sub"
    assert resolve_relative("pkg.sub", True, 1, "a") == "pkg.sub.a"
    assert resolve_relative("pkg.sub", True, 2) == "pkg"
    assert resolve_relative("pkg.a", False, 3, "x") is None
    assert resolve_relative("top", False, 1, "x") is None
    assert resolve_relative("pkg.a", False, 0, "abs") == "abs"


def test_discovery_of_a_folder_that_is_no_project_goes_only_into_its_packages(tmp_path):
    tree(tmp_path, "script.py", "pkg/__init__.py", "pkg/a.py", "unrelated/tree/b.py", "notes/c.py")
    assert names(discover(tmp_path, walk_all=False)) == {
        "script": "script.py", "pkg": "pkg/__init__.py", "pkg.a": "pkg/a.py"}
    assert set(discover(tmp_path).modules) == {"script", "pkg", "pkg.a", "b", "c"}
