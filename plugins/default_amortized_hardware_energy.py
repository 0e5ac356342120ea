"""amortized_hardware_energy: Epoch AI's primary method, the owner's cost of the chip-hours.

Following ``cost_analysis_standalone.py`` (Epoch AI, arXiv 2405.21015; costfacts §4):

- hardware value at training start: V = P x 10^(-r x years), r = 0.14 orders of magnitude a
  year, years from acquisition (the price's date, or the chip's release + 90 days if later)
  to training start (publication - training time - 60 days), never negative;
- hardware cost = V x r x ln(10) / 8,766 per chip-hour x chip-hours;
- interconnect = 19% of the cluster's cost: hardware x 0.19 / 0.81;
- energy = TDP x chip-to-server multiplier x average-power fraction x PUE x chip-hours x $/kWh
  (the electricity price of the publication year).

P is a server-level price per GPU (a chip-only price is multiplied by server_overhead). The
range is Epoch AI's 90% interval for this method: 0.34x to 3.7x the central value.
"""

from __future__ import annotations

import polars as pl

from costboard import hookimpl
from costboard.plugins import formulas, inputs
from costboard.plugins.estimator import Estimator, to_estimates
from costboard.plugins.evidence import Evidence
from costboard.plugins.parameters import (
    AMORTIZED_RANGE,
    AVERAGE_POWER_FRACTION,
    DEPRECIATION_RATE,
    ELECTRICITY_PRICE,
    INTERCONNECT_FRACTION,
    POWER,
    PUE,
    PURCHASE_PRICE,
    RANGE_CITATION,
    SERVER_OVERHEAD,
    SERVER_POWER_MULTIPLIER,
    Parameters,
)

NAME = "amortized_hardware_energy"
VERSION = "1.0"

PARAMETERS = (
    PURCHASE_PRICE,
    SERVER_OVERHEAD,
    DEPRECIATION_RATE,
    INTERCONNECT_FRACTION,
    POWER,
    SERVER_POWER_MULTIPLIER,
    AVERAGE_POWER_FRACTION,
    PUE,
    ELECTRICITY_PRICE,
)


def acquisition_date(params: Parameters) -> pl.Expr:
    """Epoch AI: the later of the price's date and the chip's release + 90 days."""
    if "purchase_price" in params.overrides:
        price_date = pl.lit(None, dtype=pl.Date)
    else:
        default_date = PURCHASE_PRICE.dated
        price_date = pl.coalesce(
            "purchase_price_stated_on",
            pl.when(pl.col("purchase_price_claim_id").is_null()).then(pl.lit(default_date)),
        )
    available = pl.col("chip_released_on") + pl.duration(days=formulas.DAYS_AFTER_RELEASE)
    return pl.max_horizontal(price_date, available)


def estimate(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    run = inputs.training_run(evidence).filter(pl.col("gpu_hours").is_not_null())
    rows = inputs.subject_facts(run, evidence)
    rows = inputs.with_server_price(
        params.attach(rows, evidence, *(p.name for p in PARAMETERS)), params
    )
    training_hours = pl.coalesce("training_duration", "wall_clock_hours", pl.lit(0.0))
    rate = pl.col("depreciation_rate")
    chip_hours = pl.col("gpu_hours")
    rows = rows.with_columns(
        acquisition_date(params).alias("acquired_on"),
        (
            pl.col("publication")
            - pl.duration(hours=training_hours)
            - pl.duration(days=formulas.DAYS_BEFORE_PUBLICATION)
        )
        .cast(pl.Date)
        .alias("training_start"),
        # The training time dates the depreciation, so its claims are inputs too.
        pl.when(pl.col("training_duration").is_not_null())
        .then(pl.col("training_duration_claim_id"))
        .when(pl.col("wall_clock_hours").is_not_null())
        .then(pl.col("gpu_count_claim_id"))
        .alias("timing_claim_id"),
    ).with_columns(
        (
            (pl.col("training_start") - pl.col("acquired_on")).dt.total_days()
            / formulas.DAYS_PER_YEAR
        )
        .clip(lower_bound=0.0)
        .fill_null(0.0)
        .alias("years_depreciated"),
    )
    rows = (
        rows.with_columns(
            formulas.depreciated_value(
                pl.col("server_price"), pl.col("years_depreciated"), rate
            ).alias("hardware_value")
        )
        .with_columns(
            formulas.cost_per_chip_hour(pl.col("hardware_value"), rate).alias("cost_per_chip_hour"),
        )
        .with_columns(
            (pl.col("cost_per_chip_hour") * chip_hours).alias("hardware_cost"),
            formulas.facility_energy_kwh(
                pl.col("power"),
                pl.col("server_power_multiplier"),
                pl.col("average_power_fraction"),
                pl.col("pue"),
                chip_hours,
            ).alias("energy_kwh"),
        )
        .with_columns(
            formulas.interconnect_cost(
                pl.col("hardware_cost"), pl.col("interconnect_fraction")
            ).alias("interconnect_cost"),
            (pl.col("energy_kwh") * pl.col("electricity_price")).alias("energy_cost"),
        )
        .with_columns(
            (pl.col("hardware_cost") + pl.col("interconnect_cost") + pl.col("energy_cost")).alias(
                "total"
            )
        )
    )
    low_factor, high_factor = AMORTIZED_RANGE
    return to_estimates(
        rows,
        metric="training_cost",
        scope="final_run",
        value=pl.col("total"),
        low=pl.col("total") * low_factor,
        high=pl.col("total") * high_factor,
        parameters=[p.name for p in PARAMETERS],
        derived={
            "chip_hours": chip_hours,
            "server_price": pl.col("server_price"),
            "acquired_on": pl.col("acquired_on"),
            "training_start": pl.col("training_start"),
            "years_depreciated": pl.col("years_depreciated"),
            "hardware_value": pl.col("hardware_value"),
            "cost_per_chip_hour": pl.col("cost_per_chip_hour"),
            "hardware_cost": pl.col("hardware_cost"),
            "interconnect_cost": pl.col("interconnect_cost"),
            "gpu_energy_kwh": formulas.gpu_energy_kwh(pl.col("power"), chip_hours),
            "energy_kwh": pl.col("energy_kwh"),
            "energy_cost": pl.col("energy_cost"),
        },
        inputs=["gpu_hours_claim_ids", "timing_claim_id"],
        note=pl.format(
            "owner's cost: hardware ${} + interconnect ${} + energy ${}; range {}x-{}x ({})",
            pl.col("hardware_cost").round(0),
            pl.col("interconnect_cost").round(0),
            pl.col("energy_cost").round(0),
            pl.lit(low_factor),
            pl.lit(high_factor),
            pl.lit(RANGE_CITATION),
        ),
    )


ESTIMATOR = Estimator(
    name=NAME,
    version=VERSION,
    estimate=estimate,
    outputs=(("training_cost", "final_run"),),
    parameters=PARAMETERS,
    description=(
        "Epoch AI's primary method: hardware value depreciated at 0.14 OOM/year, amortized "
        "over the chip-hours, plus cluster interconnect and energy."
    ),
)


@hookimpl
def costboard_estimators() -> list[Estimator]:
    return [ESTIMATOR]
