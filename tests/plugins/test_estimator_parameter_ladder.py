"""The catalog level of the parameter ladder (plugins/parameter_ladder.py): between a row's own
claims and its chip's, for rows that carry what the catalog needs, never above an override."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from costboard.plugins import defaults
from costboard.plugins.parameter_ladder import Catalog
from costboard.plugins.parameters import Parameter, Parameters, table
from costboard.testing import claim, make_evidence

DAY = dt.date(2025, 1, 1)


def choose(rows: pl.DataFrame, evidence: Any, parameter: Parameter) -> pl.DataFrame:
    """A catalog that prices every row at 7, carried by claim 'cat'."""
    del evidence, parameter
    return rows.select(
        "_row",
        pl.lit(7.0).alias("value"),
        pl.lit(6.0).alias("low"),
        pl.lit(8.0).alias("high"),
        pl.lit("cat").alias("claim_id"),
        pl.lit("listed").alias("qualifier"),
        pl.lit(DAY).alias("stated_on"),
        pl.lit("claim: cat (the catalog)").alias("origin"),
    )


PRICE = Parameter(
    "price",
    1.0,
    0.5,
    2.0,
    "usd",
    "a test default",
    metric="rental_price",
    own_scopes=("final_run",),
    chip_scopes=("market",),
    catalog=Catalog("test catalog", ("catalog_key",), choose),
)


def resolved(*claims: dict[str, Any], overrides: dict[str, float] | None = None, key: bool = True):
    evidence = make_evidence(
        [claim("m", "gpu_count", "final_run", 8, DAY, qualifier="h800"), *claims], today=DAY
    )
    rows = pl.DataFrame({"subject": ["m"], "as_of": [DAY], "chip": ["h800"]})
    if key:
        rows = rows.with_columns(pl.lit("x").alias("catalog_key"))
    params = Parameters(table(PRICE), overrides or {})
    return params.attach(rows, evidence, "price").row(0, named=True)


OWN = claim("m", "rental_price", "final_run", 3.0, DAY, claim_id="own")
CHIP = claim("h800", "rental_price", "market", 4.0, DAY, claim_id="chip")


def test_the_catalog_beats_a_chips_claim_and_the_default() -> None:
    for claims in ((CHIP,), ()):
        row = resolved(*claims)
        assert (row["price"], row["price_low"], row["price_high"]) == (7.0, 6.0, 8.0)
        assert row["price_claim_id"] == "cat"
        assert row["price_origin"] == "claim: cat (the catalog)"


def test_the_subjects_own_claim_and_an_override_beat_the_catalog() -> None:
    assert resolved(OWN, CHIP)["price_origin"] == "claim: own"
    row = resolved(OWN, CHIP, overrides={"price": 9.0})
    assert (row["price"], row["price_origin"]) == (9.0, "override")


def test_rows_without_what_the_catalog_needs_skip_its_level() -> None:
    assert resolved(CHIP, key=False)["price_origin"] == "claim: chip"
    assert resolved(key=False)["price_origin"] == "default: a test default"


def test_a_catalog_figure_without_a_claim_keeps_the_catalogs_origin() -> None:
    def unclaimed(rows: pl.DataFrame, evidence: Any, parameter: Parameter) -> pl.DataFrame:
        return choose(rows, evidence, parameter).with_columns(
            pl.lit(None, dtype=pl.String).alias("claim_id"),
            pl.lit("default: an equivalent price").alias("origin"),
        )

    evidence = make_evidence([CHIP], today=DAY)
    parameter = Parameter(
        "price",
        1.0,
        0.5,
        2.0,
        "usd",
        "a test default",
        metric="rental_price",
        chip_scopes=("market",),
        catalog=Catalog("equivalents", (), unclaimed),
    )
    rows = pl.DataFrame({"subject": ["m"], "as_of": [DAY], "chip": ["h800"]})
    row = Parameters(table(parameter)).attach(rows, evidence, "price").row(0, named=True)
    assert (row["price"], row["price_claim_id"]) == (7.0, None)
    assert row["price_origin"] == "default: an equivalent price"


@pytest.mark.parametrize(
    ("label", "parameter", "figure"),
    [
        (defaults.RENTAL_PRICE_DEFAULT, defaults.RENTAL_PRICE, "$2 "),
        (defaults.TRAINING_TIME_MEDIAN, defaults.MEDIAN_TRAINING_HOURS, "793.5 hours"),
    ],
)
def test_an_assumed_label_states_its_parameters_own_default(
    label: str, parameter: Parameter, figure: str
) -> None:
    assert figure in label
    assert f"{parameter.value:g}" in label
