"""Shared fixtures: fresh warehouses in temporary homes, and the CLI runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from costboard.cli import main
from costboard.warehouse import schema
from costboard.warehouse.config import WarehouseConfig

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture(scope="session")
def empty_home_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("empty") / "home"
    schema.create(WarehouseConfig.resolve(home), author="tests")
    return home


@pytest.fixture
def config(home: Path, empty_home_template: Path) -> WarehouseConfig:
    """An empty, initialised warehouse of its own for one test (a copy: the lake is relocatable)."""
    shutil.copytree(empty_home_template, home)
    return WarehouseConfig.resolve(home)


@pytest.fixture(scope="session")
def demo_home_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse, built once per session through `costboard init --demo`."""
    home = tmp_path_factory.mktemp("demo") / "home"
    result = CliRunner().invoke(main, ["--home", str(home), "init", "--demo"])
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def demo_config(demo_home_template: Path, tmp_path: Path) -> WarehouseConfig:
    """A private copy of the demo warehouse that a test may write to."""
    home = tmp_path / "demo-home"
    shutil.copytree(demo_home_template, home)
    return WarehouseConfig.resolve(home)


CliCall = Callable[..., Result]


@pytest.fixture
def cli(home: Path) -> CliCall:
    """Run the costboard CLI against the test's home; returns click's Result."""

    def invoke(*args: str, input: str | None = None, home_dir: Path | None = None) -> Result:
        return CliRunner().invoke(
            main, ["--home", str(home_dir or home), *args], input=input, catch_exceptions=False
        )

    return invoke


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _time_limits_stay_with_their_test() -> Iterator[None]:
    """`costboard --hook-timeout/--estimator-timeout` set COSTBOARD_*_TIMEOUT in the process's
    environment (so gunicorn's workers inherit them); a test that runs the CLI in-process
    must not leave them to the tests after it (and their subprocesses)."""
    names = ("COSTBOARD_HOOK_TIMEOUT", "COSTBOARD_ESTIMATOR_TIMEOUT")
    saved = {name: os.environ.get(name) for name in names}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
