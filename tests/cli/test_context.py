"""costboard.cli.context: friendly_errors turns costboard's expected errors into one line and
exit status 1, and lets anything unexpected through (a bug shows its traceback)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from costboard.cli.context import friendly_errors, pass_config
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.errors import IngestError, InputError
from costboard.warehouse.history import RefError


def command_raising(error: BaseException) -> click.Command:
    @click.command()
    @friendly_errors
    def raising() -> None:
        raise error

    return raising


@pytest.mark.parametrize(
    "error",
    [RefError("no snapshot 'nope'"), ValueError("COSTBOARD_X='y' is not a whole number")],
    ids=["RefError", "ValueError"],
)
def test_an_expected_error_is_one_line_and_exit_1(error: Exception) -> None:
    result = CliRunner().invoke(command_raising(error))
    assert (result.exit_code, result.output) == (1, f"error: {error}\n")
    assert isinstance(result.exception, SystemExit)


def test_an_ingest_error_prints_its_own_rendering() -> None:
    error = IngestError([InputError("claims.csv", 3, 7, "not a number", field="value")])
    result = CliRunner().invoke(command_raising(error))
    assert result.exit_code == 1
    assert result.output == error.render() + "\n"
    assert "claims.csv:3:7" in result.output


def test_an_unexpected_error_is_not_hidden() -> None:
    result = CliRunner().invoke(command_raising(KeyError("a bug")))
    assert result.exit_code == 1 and isinstance(result.exception, KeyError)
    assert "error:" not in result.output


def test_pass_config_hands_the_groups_config_to_the_command(tmp_path: Path) -> None:
    seen = []

    @click.command()
    @pass_config
    def show(config: WarehouseConfig) -> None:
        seen.append(config)

    config = WarehouseConfig.resolve(tmp_path / "home")
    assert CliRunner().invoke(show, obj=config).exit_code == 0
    assert seen == [config]
