"""Each cost formula (plugins/formulas.py) on numbers chosen so that any wrong operator, constant
or argument gives another answer. The reference cases check the same formulas on published
figures; these pin each one alone."""

from __future__ import annotations

import math
from collections.abc import Callable

import polars as pl
import pytest

from costboard.plugins import formulas


def value(expression: pl.Expr) -> float | None:
    return pl.select(expression.alias("x")).item()


def test_the_constants_are_epoch_ais() -> None:
    assert formulas.HOURS_PER_YEAR == 8766.0 == 365.25 * 24
    assert formulas.DAYS_PER_YEAR == 365.25
    assert formulas.SECONDS_PER_HOUR == 3600.0
    assert formulas.DAYS_BEFORE_PUBLICATION == 60
    assert formulas.DAYS_AFTER_RELEASE == 90


def test_numbers_and_expressions_are_both_accepted() -> None:
    column = pl.col("n")
    assert formulas._expr(column) is column
    assert value(formulas._expr(3)) == 3.0
    frame = pl.DataFrame({"n": [2.0, 3.0]})
    assert frame.select(formulas.six_nd(pl.col("n"), 5)).to_series().to_list() == [60.0, 90.0]


#: (formula, its arguments, what it gives); the formulas are called inside the test, where a
#: mutation test's mutant is switched on, not at collection.
FORMULAS = {
    "6ND": (formulas.six_nd, (2, 5), 60.0),
    "gpu-hours from FLOP": (formulas.gpu_hours_from_flop, (7.2e6, 1000, 0.5), 4.0),
    "achieved FLOP/s": (formulas.achieved_flops, (7.2e6, 2), 1000.0),
    "implied utilization": (formulas.implied_utilization, (7.2e6, 2, 4000), 0.25),
    "depreciated value": (formulas.depreciated_value, (1000, 2, 0.5), 100.0),
    "no depreciation at year 0": (formulas.depreciated_value, (1000, 0, 0.14), 1000.0),
    "amortization rate": (formulas.amortization_per_year, (0.5,), 0.5 * math.log(10)),
    "cost per chip-hour": (formulas.cost_per_chip_hour, (8766 * 3, 2), 6 * math.log(10)),
    "interconnect": (formulas.interconnect_cost, (81, 0.19), 19.0),
    "cluster": (formulas.cluster_cost, (81, 0.19), 100.0),
    "GPU energy": (formulas.gpu_energy_kwh, (0.7, 10), 7.0),
    "facility energy": (formulas.facility_energy_kwh, (2, 3, 5, 7, 11), 2310.0),
    "wall clock": (formulas.wall_clock_hours, (100, 4), 25.0),
}


@pytest.mark.parametrize(("formula", "arguments", "expected"), FORMULAS.values(), ids=FORMULAS)
def test_each_formula_gives_its_value(
    formula: Callable[..., pl.Expr], arguments: tuple[float, ...], expected: float
) -> None:
    assert value(formula(*arguments)) == pytest.approx(expected, rel=1e-12)


def test_wall_clock_hours_need_a_positive_gpu_count() -> None:
    assert value(formulas.wall_clock_hours(100, 0)) is None
    assert value(formulas.wall_clock_hours(100, -2)) is None
    assert value(formulas.wall_clock_hours(100, 0.5)) == 200.0


def test_ordered_gives_the_smaller_then_the_larger_row_by_row() -> None:
    frame = pl.DataFrame({"a": [1.0, 5.0, -3.0], "b": [2.0, 4.0, -7.0]})
    low, high = formulas.ordered(pl.col("a"), pl.col("b"))
    result = frame.select(low.alias("low"), high.alias("high"))
    assert result.rows() == [(1.0, 2.0), (4.0, 5.0), (-7.0, -3.0)]
