"""cloud_rental: GPU-hours x rental price per GPU-hour (DeepSeek's and the AI Index's convention).

What renting the final run's compute would cost. GPU-hours are the final_run claim, else the
sum of the stages, else GPU count x training time (see ``inputs.training_run``); the price is
the subject's own claim, else Epoch AI's cloud price for its chip (the catalog level of the
parameter ladder, dated 60 days before the training start), else the median of its chip's
market listings, else the default (parameters shared with compute_6nd live in defaults.py).
The range multiplies the GPU-hours' range by the spread of known rental prices.
"""

from __future__ import annotations

import polars as pl

from costboard import hookimpl
from costboard.plugins import hardware, hardware_inputs, inputs
from costboard.plugins.defaults import (
    MEDIAN_TRAINING_HOURS,
    RENTAL_PRICE,
    RENTAL_PRICE_DEFAULT,
    TRAINING_TIME_MEDIAN,
)
from costboard.plugins.estimator import Estimator, claim_ids, to_estimates
from costboard.plugins.evidence import Evidence
from costboard.plugins.parameters import Parameters

__all__ = ["ESTIMATOR", "MEDIAN_TRAINING_HOURS", "RENTAL_PRICE", "costboard_estimators"]

NAME = "cloud_rental"
VERSION = "1.0"


def estimate(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    run = inputs.training_run(evidence)
    rows = inputs.subject_facts(run, evidence)
    rows = params.attach(rows, evidence, MEDIAN_TRAINING_HOURS.name)
    rows = hardware_inputs.training_start(rows, evidence, params).with_row_index("_row")
    # Epoch prices cloud compute at a date before the training start: the target of the
    # rental price's catalog level (its cloud price), which beats market listings.
    rows = rows.with_columns(
        (pl.col("training_start") - pl.duration(days=hardware.CLOUD_PRICE_LEAD_DAYS)).alias(
            "price_target"
        )
    )
    rows = inputs.rental_price(rows, evidence, params)
    # Epoch prices the cluster's hours (quantity x training time) at its catalog price; a
    # claimant's own price goes with its own GPU-hours.
    cluster_hours = pl.col("gpu_count") * pl.col("training_duration")
    by_cluster = hardware.rental_catalog_used() & cluster_hours.is_not_null()
    rows = rows.with_columns(
        pl.when(by_cluster).then(cluster_hours).otherwise(pl.col("gpu_hours")).alias("chip_hours"),
        pl.when(by_cluster)
        .then(claim_ids("gpu_count_claim_id", "training_duration_claim_id"))
        .otherwise(pl.col("gpu_hours_claim_ids"))
        .alias("chip_hours_claim_ids"),
        pl.when(by_cluster)
        .then(pl.lit("gpu_count x training_duration"))
        .otherwise(pl.col("gpu_hours_source"))
        .alias("chip_hours_source"),
    )
    rows = rows.filter(pl.col("chip_hours").is_not_null())
    ratio_low = pl.col("gpu_hours_low") / pl.col("gpu_hours")
    ratio_high = pl.col("gpu_hours_high") / pl.col("gpu_hours")
    return to_estimates(
        rows,
        metric="training_cost",
        scope="final_run",
        value=pl.col("chip_hours") * pl.col("rental_price"),
        low=pl.col("chip_hours") * ratio_low.fill_null(1.0) * pl.col("rental_price_low"),
        high=pl.col("chip_hours") * ratio_high.fill_null(1.0) * pl.col("rental_price_high"),
        parameters=["rental_price"],
        derived={
            "gpu_hours": pl.col("chip_hours"),
            "gpu_hours_source": pl.col("chip_hours_source"),
            "wall_clock_hours": pl.col("wall_clock_hours"),
            "wall_clock_days": pl.col("wall_clock_hours") / 24.0,
            "price_target": pl.col("price_target"),
        },
        inputs=["chip_hours_claim_ids"],
        assumed={
            RENTAL_PRICE_DEFAULT: hardware_inputs.default_used("rental_price"),
            # The median training time dates the catalog's price only.
            TRAINING_TIME_MEDIAN: pl.col("training_hours_assumed") & hardware.rental_catalog_used(),
        },
        note=pl.format(
            "{} GPU-hours ({}) x ${}/GPU-hour; rented compute for the final run only",
            pl.col("chip_hours").round(0),
            pl.col("chip_hours_source"),
            pl.col("rental_price").round(4),
        ),
    )


ESTIMATOR = Estimator(
    name=NAME,
    version=VERSION,
    estimate=estimate,
    outputs=(("training_cost", "final_run"),),
    methods=("cloud_rental",),
    parameters=(RENTAL_PRICE, MEDIAN_TRAINING_HOURS),
    description="GPU-hours x rental price per GPU-hour: what renting the final run would cost.",
)


@hookimpl
def costboard_estimators() -> list[Estimator]:
    return [ESTIMATOR]
