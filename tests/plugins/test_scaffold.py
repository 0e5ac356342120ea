"""`costboard plugins new` scaffolds a package that installs with pip and shows up with its estimates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.plugins.scaffold import new_plugin
from costboard.warehouse import ingest, lake
from costboard.warehouse.config import WarehouseConfig
from tests.conftest import write
from tests.plugins.test_store import CLAIMS, SUBJECTS, TODAY

NAME = "scaffold_probe"
BIN = Path(sys.executable).parent


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("COSTBOARD_PLUGINS", None)
    env.pop("COSTBOARD_DISABLE_PLUGINS", None)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_plugins_new_writes_a_package_with_entry_point_estimator_and_test(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plugins", "new", "my-model", "--directory", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "costboard-my_model"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "README.md",
        "costboard_my_model/__init__.py",
        "pyproject.toml",
        "tests/test_my_model.py",
    ]
    pyproject = (folder / "pyproject.toml").read_text()
    assert '[project.entry-points.costboard]\nmy_model = "costboard_my_model"' in pyproject
    again = CliRunner().invoke(main, ["plugins", "new", "my-model", "--directory", str(tmp_path)])
    assert again.exit_code == 1 and "already exists" in again.output


@pytest.mark.parametrize("bad", ["1st", "has space", "Ünïcode", ""])
def test_plugins_new_refuses_a_name_that_is_not_an_identifier(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot name a plugin"):
        new_plugin(bad, tmp_path)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = new_plugin(NAME, tmp_path_factory.mktemp("scaffold"))
    done = run(
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-build-isolation",
        "--quiet",
        str(folder),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        yield folder
    finally:
        run(sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", f"costboard-{NAME}")


@pytest.mark.slow
def test_the_generated_package_passes_its_own_tests(installed: Path) -> None:
    done = run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        str(installed / "tests"),
        cwd=installed,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


@pytest.mark.slow
def test_an_installed_plugin_package_shows_up_with_its_estimates(
    installed: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    config = WarehouseConfig.resolve(home)
    assert CliRunner().invoke(main, ["--home", str(home), "init"]).exit_code == 0
    ingest.ingest(
        config,
        [write(tmp_path / "subjects.csv", SUBJECTS), write(tmp_path / "claims.csv", CLAIMS)],
        message="the V3 report",
        today=TODAY,
    )
    costboard = str(BIN / "costboard")
    listed = run(costboard, "--home", str(home), "plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows[NAME]["status"] == "ok", rows[NAME]
    assert rows[NAME]["distribution"].replace("_", "-") == f"costboard-{NAME}".replace("_", "-")
    assert rows[NAME]["hooks"] == ["costboard_estimators"]
    estimated = run(costboard, "--home", str(home), "estimate")
    assert estimated.returncode == 0, estimated.stderr
    with lake.connect(config) as connection:
        values = connection.execute(
            "SELECT value FROM estimates WHERE estimator = ? AND subject = 'deepseek-v3'", [NAME]
        ).fetchall()
    assert values and {v for (v,) in values} == {2.788e6 * 2.5}
