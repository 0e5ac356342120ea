"""The number table (tests/warehouse/test_numbers.py) through the CLI: ``estimate --explain``,
``ladder`` and every table the CLI prints write figures by warehouse/numbers.py's rule, so
``--explain`` never prints "1.13146e+08" beside "312,996"."""

from __future__ import annotations

import re

import polars as pl
import pytest
from click.testing import CliRunner

from costboard.cli import main
from costboard.cli.explain import readable
from costboard.cli.output import echo_frame
from costboard.warehouse.config import WarehouseConfig
from costboard.warehouse.numbers import MISSING
from tests.conftest import cli_options
from tests.warehouse.test_numbers import CASES

#: A float in Python's scientific notation ("1.13146e+08"; FLOP read "3.29e24"), or written
#: in full past six figures.
SCIENTIFIC = re.compile(r"\d[eE][+-]\d")
LONG = re.compile(r"(?<![\w-])\d{7,}|\d,\d{3}\.\d{2,}")  # "5576000", "312,996.4771"


def _frame(cases: list, column: str) -> pl.DataFrame:
    return pl.DataFrame(
        {column: [c.value for c in cases], "unit": [c.unit for c in cases]},
        schema={column: pl.Float64, "unit": pl.String},
    )


def test_explains_columns_read_as_the_table_says() -> None:
    """A claim's figure keeps its stated digits; an estimate's gets three figures."""
    stated = [c for c in CASES if c.stated and c.bound is None]
    computed = [c for c in CASES if not c.stated and c.bound is None]
    shown = readable(_frame(stated, "claim_value"))["claim_value"].fill_null(MISSING)
    assert shown.to_list() == [c.text for c in stated]
    shown = readable(_frame(computed, "value"))["value"].fill_null(MISSING)
    assert shown.to_list() == [c.text for c in computed]


def test_a_printed_table_writes_floats_by_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    echo_frame(pl.DataFrame({"x": [113_146_000.0, 312_996.4771, 2048.0, 3.3e24]}))
    out = capsys.readouterr().out
    for text in ("113.146M", "312.996K", "2,048", "3,300,000,000,000T"):
        assert text in out
    assert not SCIENTIFIC.search(out), out


def _cli(config: WarehouseConfig, *args: str) -> str:
    result = CliRunner().invoke(main, [*cli_options(config), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_explain_writes_claims_and_estimates_by_the_rule(dashboard_config: WarehouseConfig) -> None:
    out = _cli(dashboard_config, "estimate", "--explain", "deepseek-v3")
    assert "$5.576M" in out  # DeepSeek's claim, as stated
    assert "$5.58M" in out  # the cloud-rental estimate of it, at three figures
    assert not SCIENTIFIC.search(out), out
    assert not LONG.search(out), out


def test_the_ladder_command_writes_stated_figures(dashboard_config: WarehouseConfig) -> None:
    out = _cli(dashboard_config, "ladder", "deepseek-v3")
    assert "$5.576M" in out and "$294K" in out
    assert not SCIENTIFIC.search(out), out
