"""One way to write a number (warehouse/numbers.py): the case table every surface runs.

:data:`CASES` is the table: the Python function and the polars expression here, the grids'
JavaScript in tests/browser/test_browser_numbers.py, the CLI, the API, the hovers and the
ladder's labels in tests/cli and tests/dashboard read the same rows.
"""

from __future__ import annotations

from typing import NamedTuple

import polars as pl
import pytest

from costboard.warehouse import numbers


class Case(NamedTuple):
    value: float | None
    unit: str | None
    bound: str | None
    stated: bool
    text: str


#: Every case, in a base unit unless said (the grids hold base units: the JavaScript reads
#: these; :data:`SCALED_CASES` are the Python rule's alone).
CASES: tuple[Case, ...] = (
    # A stated figure keeps its digits: DeepSeek's $5.576M and $294K.
    Case(5_576_000.0, "usd", None, True, "$5.576M"),
    Case(294_000.0, "usd", "lower", True, "> $294K"),
    Case(944e6, "usd", "upper", True, "< $944M"),
    Case(1.6e9, "usd", "approximate", True, "~ $1.6B"),
    Case(-589e9, "usd", None, True, "-$589B"),
    # A computed figure: three significant figures.
    Case(5_576_000.0, "usd", None, False, "$5.58M"),
    Case(312_996.4771, "usd", None, False, "$313K"),
    Case(113_146_000.0, "usd", None, False, "$113M"),
    Case(999_950.0, "usd", None, False, "$1M"),  # rounding up reaches the next step
    # Counts: in full below 10,000, never scientific, no stray decimals.
    Case(2048.0, "count", None, True, "2,048"),
    Case(2048.0, "count", None, False, "2,050"),
    Case(50_000.0, "count", None, True, "50K"),
    Case(2_788_000.0, "gpu_hours", None, True, "2.788M gpu_hours"),
    Case(2_787_999.9999999995, "gpu_hours", None, True, "2.788M gpu_hours"),  # float noise
    Case(14.8e12, "tokens", None, True, "14.8T tokens"),
    Case(2e18, "usd", None, True, "$2,000,000T"),
    Case(9999.5, "usd", None, True, "$9,999.5"),
    Case(78_352_034.72, "usd", None, True, "$78.352M"),  # a spreadsheet's cents: six figures
    # Rates, ratios, FLOP, dates, nothing.
    Case(2.0, "usd_per_gpu_hour", None, True, "$2/gpu_hour"),
    Case(1.85, "usd_per_gpu_hour", None, False, "$1.85/gpu_hour"),
    Case(0.1947, "ratio", None, False, "0.195"),
    Case(0.00012345, "ratio", None, True, "0.00012345"),
    Case(0.52, "ratio", None, False, "0.52"),
    Case(3.285e24, "flop", None, True, "3.285e24 flop"),
    Case(4.02e24, "flop", None, False, "4.02e24 flop"),
    Case(198.0, "hours", "approximate", True, "~ 198 hours"),
    Case(0.0, "usd", None, False, "$0"),
    Case(20_089.0, "date", None, True, "2025-01-01"),
    Case(12.0, None, None, True, "12"),
    Case(None, "usd", None, True, numbers.MISSING),
    Case(float("nan"), "usd", None, True, numbers.MISSING),
)

#: Scaled and foreign units: the value as written, read in its base unit.
SCALED_CASES: tuple[Case, ...] = (
    Case(5.576, "usd_million", None, True, "$5.576M"),
    Case(294.0, "usd_thousand", "lower", True, "> $294K"),
    Case(2.788, "gpu_hours_million", None, True, "2.788M gpu_hours"),
    Case(944.0, "usd_million_per_year", "upper", True, "< $944M/year"),
    Case(1.2, "krw_billion", None, True, "KRW 1.2B"),
    Case(37.5, "percent", None, True, "0.375"),
)


@pytest.mark.parametrize("case", CASES + SCALED_CASES, ids=lambda c: c.text)
def test_a_number_reads_as_the_table_says(case: Case) -> None:
    shown = numbers.number_text(case.value, case.unit, case.bound, stated=case.stated)
    assert shown == case.text


def test_the_expression_and_the_function_are_one_rule() -> None:
    """The polars form over a frame of every case, mixed units and bounds in one batch."""
    table = CASES + SCALED_CASES
    frame = pl.DataFrame(
        [c[:4] for c in table],
        schema={"v": pl.Float64, "u": pl.String, "b": pl.String, "s": pl.Boolean},
        orient="row",
    )
    shown = frame.select(
        numbers.number_expr(pl.col("v"), pl.col("u"), pl.col("b"), stated=pl.col("s"))
    ).to_series()
    assert [t or numbers.MISSING for t in shown] == [c.text for c in table]


def test_a_stated_figure_is_never_shown_with_fewer_digits_than_it_has() -> None:
    for value in (5_576_000.0, 2_788_000.0, 294_000.0, 1_234_560.0, 0.1947):
        shown = numbers.number_text(value, "count", stated=True)
        digits = shown.rstrip("KMBT").replace(",", "").replace(".", "").strip("0")
        given = f"{value:.5e}".split("e")[0].replace(".", "").rstrip("0")  # "5576" of 5.576e6
        assert digits == given, shown


def test_no_scientific_notation_for_money_or_counts() -> None:
    for unit in ("usd", "count", "gpu_hours", "tokens", "params", "shares"):
        for value in (1e-7, 3.3e24, 1.13146e8):
            assert "e" not in numbers.number_text(value, unit).replace(unit, ""), (value, unit)


def test_an_empty_batch_is_an_empty_list() -> None:
    assert numbers.number_texts([], "usd") == []
    empty = pl.DataFrame({"v": []}, schema={"v": pl.Float64})
    assert empty.select(numbers.number_expr(pl.col("v"), "usd")).height == 0
