"""Meta-tests: every hook has a test named after it and a doc entry generated from its
hookspec; the docs cover every column, parameter and built-in; the worked example runs; the
built-ins are DEFAULT_PLUGINS, and come in through the entry points."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import tomllib
import types
from importlib import metadata
from pathlib import Path

import pytest

from costboard import ESTIMATE_SCHEMA, EVIDENCE_COLUMNS
from costboard.plugins import hookdocs, hookspecs
from costboard.plugins.manager import DEFAULT_PLUGINS, PluginManager, PluginRecord, built_in_names
from costboard.testing import run_plugin, sample_evidence

REPO = Path(__file__).resolve().parents[2]
DOCS = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
PLUGINS = REPO / "plugins"
HOOKS = sorted(
    name
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(function, "costboard_spec")
)
#: The built-in estimator plugins, each named after its estimator, in DEFAULT_PLUGINS order.
BUILT_INS = tuple(name for name, _ in DEFAULT_PLUGINS if name in built_in_names())
#: Built-in plugins that provide no estimator.
OTHER_BUILT_INS = tuple(name for name, _ in DEFAULT_PLUGINS if name not in built_in_names())
#: Every built-in parameter by name: each built-in declares its own in its ``parameters``.
DEFAULTS = {
    p.name: p
    for name in BUILT_INS
    for p in importlib.import_module(f"costboard.plugins.default_{name}").ESTIMATOR.parameters
}


def test_the_hookspec_module_declares_hooks() -> None:
    assert HOOKS == ["costboard_estimators", "costboard_importers", "costboard_vocabulary"]
    assert PluginManager.hook_names() == HOOKS


def _test_functions() -> dict[str, str]:
    """Every test function under tests/ but this file's, by name, with its source."""
    found: dict[str, str] = {}
    for path in (REPO / "tests").rglob("test_*.py"):
        if path.name == Path(__file__).name:
            continue
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found[node.name] = ast.get_source_segment(source, node) or ""
    return found


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    tests = _test_functions()
    assert f"test_hook_{hook}" in tests, f"no test is named test_hook_{hook}"
    assert hook in tests[f"test_hook_{hook}"], f"test_hook_{hook} never implements {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_doc_entry(hook: str) -> None:
    assert f"### {hook}\n" in DOCS, f"docs/plugins.md has no '### {hook}' section"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hookspec_documents_its_purpose_arguments_and_return(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    purpose = doc.splitlines()[0] if doc else ""
    assert purpose.endswith("."), "the first line states the hook's purpose"
    parameters = inspect.signature(getattr(hookspecs, hook)).parameters
    if parameters:
        for name in parameters:
            assert f":param {name}:" in doc
    else:
        assert "No arguments." in doc
    assert ":return:" in doc


def test_the_hook_reference_in_the_docs_is_generated_from_the_hookspecs() -> None:
    assert hookdocs.hook_names() == HOOKS
    assert hookdocs.render() in DOCS, (
        "docs/plugins.md's hook reference is out of date: "
        "python -m costboard.plugins.hookdocs docs/plugins.md"
    )


def test_the_manager_does_not_restate_the_hook_contract() -> None:
    from costboard.plugins import manager

    doc = manager.__doc__ or ""
    assert not any(hook in doc for hook in HOOKS)


def test_there_is_one_hookspec_module() -> None:
    declaring = [
        p.name for p in PLUGINS.rglob("*.py") if "HookspecMarker(" in p.read_text(encoding="utf-8")
    ]
    assert declaring == ["hookspecs.py"]


@pytest.mark.parametrize("column", list(EVIDENCE_COLUMNS))
def test_every_evidence_column_is_documented(column: str) -> None:
    assert re.search(rf"^\| `{column}` \|", DOCS, re.MULTILINE), column


@pytest.mark.parametrize("column", list(ESTIMATE_SCHEMA))
def test_every_estimate_column_is_documented(column: str) -> None:
    section = DOCS.split("## The estimate schema", 1)[1]
    assert re.search(rf"^\| `{column}` \|", section, re.MULTILINE), column


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_every_built_in_parameter_is_documented(name: str) -> None:
    assert f"| `{name}` |" in DOCS


@pytest.mark.parametrize("name", BUILT_INS)
def test_every_built_in_estimator_is_documented(name: str) -> None:
    assert f"| `{name}` |" in DOCS


def test_the_documented_built_in_estimators_are_exactly_the_default_plugins() -> None:
    section = DOCS.split("## The built-in estimators", 1)[1]
    table = section.split("| name | computes | outputs |", 1)[1].split("\n\n", 1)[0]
    assert re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE) == list(BUILT_INS)
    assert set(OTHER_BUILT_INS) == {"vocabulary", "importers"}


def test_the_built_ins_are_registered_through_the_entry_point_group() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    declared = pyproject["project"]["entry-points"]["costboard"]
    assert declared == dict(DEFAULT_PLUGINS)
    installed = {e.name: e for e in metadata.entry_points(group="costboard")}
    for name, module in DEFAULT_PLUGINS:
        assert installed[name].value == declared[name] == module
        assert installed[name].dist.metadata["Name"] == "costboard"
    manager = PluginManager()
    assert {e.estimator.name: e.plugin.name for e in manager.estimators()} == {
        n: n for n in BUILT_INS
    }
    assert all(manager.records[name].built_in for name, _ in DEFAULT_PLUGINS)


def test_only_default_plugins_are_built_in_whatever_their_module_is_called() -> None:
    assert not PluginRecord("x", module="costboard.plugins.default_lookalike").built_in
    assert PluginRecord("x", module="costboard.plugins.default_vocabulary").built_in


def worked_example() -> str:
    section = DOCS.split("## A complete plugin", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def readme_example() -> str:
    readme = (PLUGINS.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("A complete plugin", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.mark.parametrize("where", ["docs/plugins.md", "README.md"])
def test_the_documented_complete_plugin_runs_and_fits_in_30_lines(where: str) -> None:
    source = worked_example() if where == "docs/plugins.md" else readme_example()
    if where == "README.md":  # the contract: a complete plugin in under 30 lines
        assert len(source.strip().splitlines()) < 30
    module = types.ModuleType("my_rental")
    exec(compile(source, where, "exec"), module.__dict__)
    estimates, statuses = run_plugin(module, sample_evidence(), {"my_price": 3.0})
    assert [s.status for s in statuses] == ["ok"]
    assert estimates["value"].max() == pytest.approx(2.788e6 * 3.0)


ESTIMATOR_CODE = [
    "evidence.py",
    "inputs.py",
    "formulas.py",
    "parameters.py",
    "estimator.py",
    *(f"default_{name}.py" for name in BUILT_INS),
]


@pytest.mark.parametrize("name", ESTIMATOR_CODE)
def test_estimators_and_evidence_never_loop_over_rows_in_python(name: str) -> None:
    source = (PLUGINS / name).read_text(encoding="utf-8")
    for pattern in ("iter_rows", "map_elements", ".apply(", "to_dicts", ".rows("):
        assert pattern not in source, f"{name} uses {pattern}"


def test_every_public_name_plugin_authors_import_resolves() -> None:
    import costboard

    for name in costboard.__all__:
        assert getattr(costboard, name) is not None, name
    assert sorted(costboard.__all__) == sorted(["hookimpl", *costboard._LAZY])
