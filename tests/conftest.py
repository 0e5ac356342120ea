"""Shared fixtures: fresh warehouses in temporary homes, and the CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
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
