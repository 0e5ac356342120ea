"""Meta-tests: every hook has a test and a doc entry; the docs cover every column, parameter and
built-in; the worked example runs; the built-ins come in through the entry points."""

from __future__ import annotations

import importlib
import inspect
import re
import tomllib
import types
from importlib import metadata
from pathlib import Path

import pytest

from costboard import ESTIMATE_SCHEMA, EVIDENCE_COLUMNS
from costboard.plugins import hookspecs
from costboard.plugins.manager import PluginManager
from costboard.testing import run_plugin, sample_evidence

REPO = Path(__file__).resolve().parents[2]
DOCS = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
PLUGINS = REPO / "plugins"
HOOKS = sorted(
    name
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(function, "costboard_spec")
)
BUILT_INS = (
    "cloud_rental",
    "amortized_hardware_energy",
    "hardware_acquisition",
    "fleet_ownership",
    "compute_6nd",
    "market_cap_move",
)
#: Built-in plugins that provide no estimator (``default_<name>`` modules all the same).
OTHER_BUILT_INS = ("vocabulary", "importers")
#: Every built-in parameter by name: each built-in declares its own in its ``parameters``.
DEFAULTS = {
    p.name: p
    for name in BUILT_INS
    for p in importlib.import_module(f"costboard.plugins.default_{name}").ESTIMATOR.parameters
}


def test_the_hookspec_module_declares_hooks() -> None:
    assert HOOKS == ["costboard_estimators", "costboard_importers", "costboard_vocabulary"]
    assert PluginManager.hook_names() == HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    tests = [
        p
        for p in (REPO / "tests").rglob("test_*.py")
        if p.name != Path(__file__).name and hook in p.read_text(encoding="utf-8")
    ]
    assert tests, f"no test exercises the hook {hook}"


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


def test_the_built_ins_are_registered_through_the_entry_point_group() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    declared = pyproject["project"]["entry-points"]["costboard"]
    assert sorted(declared) == sorted([*BUILT_INS, *OTHER_BUILT_INS])
    installed = {e.name: e for e in metadata.entry_points(group="costboard")}
    for name in [*BUILT_INS, *OTHER_BUILT_INS]:
        assert installed[name].value == declared[name] == f"costboard.plugins.default_{name}"
        assert installed[name].dist.metadata["Name"] == "costboard"
    manager = PluginManager()
    assert {e.estimator.name: e.plugin.name for e in manager.estimators()} == {
        n: n for n in BUILT_INS
    }


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
