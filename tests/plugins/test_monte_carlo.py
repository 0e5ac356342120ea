"""The Monte Carlo over a formula: intervals a formula with no sampling code gets, exact
inputs, the drivers' ranking, and the seed rule per row."""

from __future__ import annotations

import math

import polars as pl
import pytest

from costboard.plugins.monte_carlo import interval_and_drivers

#: An estimator's formula as it writes it: no sampling code in it.
FORMULA = pl.col("gpu_hours") * pl.col("rental_price")


def _rows(**spreads: tuple[float, float, float]) -> pl.DataFrame:
    """One estimate row per subject; each input as {name}, {name}_low, {name}_high."""
    columns: dict[str, list[object]] = {"subject": ["a"], "as_of": ["2025-01-01"]}
    for name, (value, low, high) in spreads.items():
        columns |= {name: [value], f"{name}_low": [low], f"{name}_high": [high]}
    return pl.DataFrame(columns)


def _run(rows: pl.DataFrame, draws: int = 10_000) -> pl.DataFrame:
    return interval_and_drivers(
        rows,
        FORMULA,
        {"gpu_hours": "lognormal", "rental_price": "lognormal"},
        seed_by=("subject", "as_of"),
        salt="cloud_rental",
        draws=draws,
    )


def test_a_formula_without_sampling_code_gets_the_product_of_its_inputs_interval() -> None:
    # two independent factors, each 0.5x-2x as a 90% interval: the product's log-sd is
    # sqrt(2) times each one's, so its 90% interval is exp(+-sqrt(2) ln 2) = 0.375x-2.67x
    row = _run(_rows(gpu_hours=(1e6, 5e5, 2e6), rental_price=(2.0, 1.0, 4.0))).row(0, named=True)
    spread = math.exp(math.sqrt(2) * math.log(2))
    assert row["mc_low"] == pytest.approx(2e6 / spread, rel=0.03)
    assert row["mc_high"] == pytest.approx(2e6 * spread, rel=0.03)
    shares = {d["input"]: d["share"] for d in row["drivers"]}
    assert shares["gpu_hours"] == pytest.approx(0.5, abs=0.05)


def test_exact_inputs_give_an_interval_of_the_value_alone() -> None:
    row = _run(_rows(gpu_hours=(2.788e6,) * 3, rental_price=(2.0,) * 3)).row(0, named=True)
    assert row["mc_low"] == pytest.approx(5.576e6) and row["mc_high"] == pytest.approx(5.576e6)
    assert [d["share"] for d in row["drivers"]] == [0.0, 0.0]
    # an exact zero is no lognormal to fit: it stays zero, never NaN
    free = _run(_rows(gpu_hours=(0.0,) * 3, rental_price=(2.0, 1.0, 4.0))).row(0, named=True)
    assert (free["mc_low"], free["mc_high"]) == (0.0, 0.0)


def test_the_input_with_the_wide_range_drives_the_result() -> None:
    rows = _rows(gpu_hours=(1e6, 9.5e5, 1.05e6), rental_price=(2.0, 0.2, 20.0))
    drivers = _run(rows).row(0, named=True)["drivers"]
    assert [d["input"] for d in drivers] == ["rental_price", "gpu_hours"]  # largest first
    assert drivers[0]["share"] > 0.99
    assert sum(d["share"] for d in drivers) == pytest.approx(1.0)


def test_a_rows_interval_is_its_own_whatever_else_is_in_the_frame() -> None:
    one = _rows(gpu_hours=(1e6, 5e5, 2e6), rental_price=(2.0, 1.0, 4.0))
    other = one.with_columns(subject=pl.lit("b"), gpu_hours_high=pl.lit(9e6))
    alone = _run(one, draws=1_000)
    together = _run(pl.concat([other, one]), draws=1_000)
    assert together.filter(pl.col("subject") == "a").equals(alone)
    assert _run(one, draws=1_000).equals(alone)  # and the same on every run
    # another subject is seeded apart: the same spreads, other draws
    renamed = _run(one.with_columns(subject=pl.lit("c")), draws=1_000)
    assert renamed["mc_high"][0] != alone["mc_high"][0]


def test_no_uncertain_input_leaves_the_formulas_value_as_both_ends() -> None:
    rows = _rows(gpu_hours=(1e6, 5e5, 2e6), rental_price=(2.0, 1.0, 4.0))
    out = interval_and_drivers(rows, FORMULA, {}, seed_by=("subject",), salt="x")
    assert out["mc_low"][0] == out["mc_high"][0] == 2e6
    assert out["drivers"][0].to_list() == []


def test_a_normal_input_is_drawn_symmetrically_and_a_signed_result_still_has_drivers() -> None:
    # a market move: a price change spanning zero (normal) times a share count (exact)
    rows = _rows(gpu_hours=(0.0, -1.0, 1.0), rental_price=(2.0,) * 3)
    out = interval_and_drivers(
        rows,
        FORMULA,
        {"gpu_hours": "normal", "rental_price": "lognormal"},
        seed_by=("subject",),
        salt="market_cap_move",
        draws=10_000,
    ).row(0, named=True)
    assert out["mc_low"] == pytest.approx(-2.0, rel=0.01)
    assert out["mc_high"] == pytest.approx(2.0, rel=0.01)
    shares = {d["input"]: d["share"] for d in out["drivers"]}
    assert shares == {"gpu_hours": pytest.approx(1.0), "rental_price": 0.0}


def test_an_input_with_no_interval_is_taken_as_exact() -> None:
    rows = _rows(gpu_hours=(1e6, 5e5, 2e6), rental_price=(2.0, 1.0, 4.0)).with_columns(
        rental_price_low=pl.lit(None, pl.Float64), rental_price_high=pl.lit(None)
    )
    row = _run(rows).row(0, named=True)
    assert row["mc_low"] == pytest.approx(1e6, rel=0.01)  # the GPU-hours' 5th, at $2
    assert {d["input"]: d["share"] for d in row["drivers"]}["rental_price"] == 0.0


@pytest.mark.parametrize(
    ("spread", "why"),
    [
        ((1.0, 2.0, 0.5), "low <= high"),
        ((1.0, 0.0, 2.0), "low > 0"),
        ((1.0, float("nan"), 2.0), "finite"),
        ((1.0, 0.5, float("inf")), "finite"),
    ],
)
def test_an_interval_that_cannot_be_fitted_is_refused_naming_the_input(
    spread: tuple[float, float, float], why: str
) -> None:
    with pytest.raises(ValueError, match=f"gpu_hours: 1 row.*{why}"):
        _run(_rows(gpu_hours=spread, rental_price=(2.0, 1.0, 4.0)))
