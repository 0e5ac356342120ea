"""The costboard_importers hook: built-in formats are a plugin like any other, a third-party
importer installed as a package extends `costboard ingest`, and a broken one is recorded."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from costboard import hookimpl
from costboard.plugins import default_importers
from costboard.plugins.manager import PluginManager, get_manager, reset_manager
from costboard.testing import costboard_plugin  # noqa: F401  (the fixture)
from costboard.warehouse import importers
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.importers import Importer
from tests.conftest import CliCall, write

DIST = "costboard-test-costsheet"
PLUGIN = '''
"""An importer for "cost sheets": model,cost_musd,said_on,url (one training cost per row)."""
import polars as pl
from costboard import Imported, ImportedTable, Importer, RawTable, hookimpl

HEADER = ["model", "cost_musd", "said_on", "url"]


def recognises(table):
    return table.header == HEADER


def convert(table, options):
    frame = table.frame.select(
        pl.col("model").alias("subject"),
        pl.lit("training_cost").alias("metric"),
        pl.lit("final_run").alias("scope"),
        pl.col("cost_musd").alias("value"),
        pl.lit("usd_million").alias("unit"),
        pl.lit("cost sheet").alias("claimant"),
        pl.col("said_on").alias("stated_on"),
        pl.col("url").alias("source_url"),
    )
    # Each output field points back at the column it came from in the sheet.
    n = frame.height
    column_of = {
        f: pl.repeat(HEADER.index(c) + 1, n, dtype=pl.Int32, eager=True)
        for f, c in (("subject", "model"), ("value", "cost_musd"), ("stated_on", "said_on"))
    }
    claims = RawTable(table.path, frame, frame.columns, "csv", column_of=column_of)
    return Imported([ImportedTable("claims", claims)])


@hookimpl
def costboard_importers():
    return [Importer("costsheet", "a cost sheet", recognises, convert)]
'''

BROKEN = """
from costboard import hookimpl


@hookimpl
def costboard_importers():
    raise RuntimeError("my format's schema file is missing")
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("costsheet")
    (folder / "costboard_costsheet.py").write_text(PLUGIN, encoding="utf-8")
    (folder / "costboard_brokensheet.py").write_text(BROKEN, encoding="utf-8")
    (folder / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["setuptools>=69"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{DIST}"
            version = "0.1.0"

            [tool.setuptools]
            py-modules = ["costboard_costsheet", "costboard_brokensheet"]

            [project.entry-points.costboard]
            costsheet = "costboard_costsheet"
            brokensheet = "costboard_brokensheet"
            """
        ),
        encoding="utf-8",
    )
    done = run(
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        str(folder),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        yield folder
    finally:
        run(sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", DIST)


def costboard(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "costboard.cli", "--home", str(home), *args)


@pytest.mark.slow
def test_an_installed_importer_package_extends_ingest(installed: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert costboard(home, "init").returncode == 0
    subjects = tmp_path / "subjects.csv"
    subjects.write_text("subject,kind\nm1,model\n", encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "model,cost_musd,said_on,url\nm1,12.5,2025-01-02,https://example.org/m1\n", encoding="utf-8"
    )
    done = costboard(home, "ingest", str(subjects), str(sheet), "-m", "a cost sheet")
    assert done.returncode == 0, done.stdout + done.stderr
    shown = costboard(home, "sql", "SELECT subject, value::BIGINT, unit_as_written FROM claims")
    assert "12500000" in shown.stdout and "usd_million" in shown.stdout
    listed = costboard(home, "plugins")
    assert "costsheet" in listed.stdout and DIST in listed.stdout
    # A bad figure is reported at the sheet's own line and column (cost_musd is column 2).
    sheet.write_text(
        "model,cost_musd,said_on,url\nm1,lots,2025-01-02,https://example.org/m1\n", encoding="utf-8"
    )
    refused = costboard(home, "ingest", str(sheet), "-m", "bad", "--kind", "costsheet")
    assert refused.returncode != 0
    assert f"{sheet}:2:2: column 'value': 'lots' is not a number" in refused.stderr + refused.stdout


def test_hook_costboard_importers(
    config: WarehouseConfig,
    cli: CliCall,
    costboard_plugin,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The hook's contract, in-process: the plugin's importer recognises its file by the
    header and maps it onto costboard's claims layout; ingest validates and writes that."""
    module = types.ModuleType("costboard_costsheet_in_process")
    exec(compile(PLUGIN, "costboard_costsheet", "exec"), module.__dict__)
    costboard_plugin(module, name="costsheet")
    assert "costsheet" in [i.name for i in get_manager().importers()]
    subjects = write(tmp_path / "subjects.csv", "subject,kind\nm1,model\n")
    sheet = write(
        tmp_path / "sheet.csv",
        "model,cost_musd,said_on,url\nm1,12.5,2025-01-02,https://example.org/m1\n",
    )
    done = cli("ingest", str(subjects), str(sheet), "-m", "a cost sheet")
    assert done.exit_code == 0, done.output
    shown = cli("sql", "SELECT subject, value::BIGINT AS v, unit_as_written FROM claims")
    assert "12500000" in shown.output and "usd_million" in shown.output


def _plugin(**hooks: object) -> types.ModuleType:
    module = types.ModuleType("fake_importer_plugin")
    for name, function in hooks.items():
        setattr(module, name, hookimpl(function))
    return module


def _importer(name: str) -> Importer:
    return Importer(name, "test", lambda table: False, importers.same_layout("claims"))


def test_the_built_in_importers_come_through_the_plugin_manager_first() -> None:
    manager = PluginManager()
    names = [i.name for i in manager.importers()]
    assert names[:9] == [i.name for i in importers.built_in_importers()]
    assert manager.records["importers"].status == "ok"
    assert "costboard_importers" in manager.records["importers"].hooks


@pytest.mark.parametrize(
    ("returned", "error"),
    [
        (lambda: [_importer("claims")], "reserved for costboard's built-in importer"),
        (lambda: [_importer("Bad Name")], "is not lower-case"),
        (lambda: "nope", "expected a list of Importer"),
        (lambda: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_a_broken_importer_plugin_is_recorded_and_the_others_load(returned, error: str) -> None:  # type: ignore[no-untyped-def]
    manager = PluginManager()

    def costboard_importers() -> object:
        return returned()

    manager.register(_plugin(costboard_importers=costboard_importers), name="broken")
    names = [i.name for i in manager.importers()]
    assert "epoch-models" in names and "fred" in names
    record = manager.records["broken"]
    assert record.status == "error" and error in (record.error or "")


def test_two_plugins_with_one_importer_name_are_both_refused() -> None:
    manager = PluginManager(entry_points=False)
    for plugin in ("one", "two"):

        def costboard_importers() -> list[Importer]:
            return [_importer("shared")]

        manager.register(_plugin(costboard_importers=costboard_importers), name=plugin)
    assert manager.importers() == []
    assert "also provided by plugin 'two'" in (manager.records["one"].error or "")


def test_costboard_plugins_lists_a_failing_importer_plugin_with_its_error(cli: CliCall) -> None:
    def costboard_importers() -> list[Importer]:
        raise RuntimeError("cannot read my format")

    reset_manager()
    try:
        get_manager().register(_plugin(costboard_importers=costboard_importers), name="broken")
        shown = cli("plugins", "--json", "--no-run")
    finally:
        reset_manager()
    rows = {row["plugin"]: row for row in json.loads(shown.output)}
    assert rows["broken"]["status"] == "error"
    assert "costboard_importers failed: RuntimeError" in rows["broken"]["error"]
    assert rows["importers"]["status"] == "ok"


@pytest.mark.slow
def test_a_failing_installed_importer_plugin_is_recorded_when_plugins_load(
    installed: Path,
) -> None:
    # Not only when ingest asks: the process-wide manager collects importers as it loads,
    # so the dashboard's plugin list shows the failure too.
    reset_manager()
    try:
        records = {r.name: r for r in get_manager().plugins()}
    finally:
        reset_manager()
    assert records["brokensheet"].status == "error"
    assert "schema file is missing" in (records["brokensheet"].error or "")
    assert records["costsheet"].status == "ok"


def test_the_importers_plugin_offers_the_warehouses_formats_in_the_order_they_are_tried() -> None:
    offered = default_importers.costboard_importers()
    assert [i.name for i in offered] == [i.name for i in importers.built_in_importers()]
    assert {i.name for i in offered} == importers.built_in_names()
