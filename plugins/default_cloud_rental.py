"""cloud_rental: GPU-hours x rental price per GPU-hour (DeepSeek's and the AI Index's convention).

What renting the final run's compute would cost. GPU-hours are the final_run claim, else the
sum of the stages, else GPU count x training time (see ``inputs.training_run``); the price is
the subject's own claim, else the median of its chip's market listings, else the default.
The range multiplies the GPU-hours' range by the spread of known rental prices.
"""

from __future__ import annotations

import polars as pl

from costboard import hookimpl
from costboard.plugins import inputs
from costboard.plugins.estimator import Estimator, to_estimates
from costboard.plugins.evidence import Evidence
from costboard.plugins.parameters import Parameter, Parameters

NAME = "cloud_rental"
VERSION = "1.0"

#: Also compute_6nd's rental price.
RENTAL_PRICE = Parameter(
    "rental_price",
    2.0,
    1.99,
    4.86,
    "usd_per_gpu_hour",
    "$2 per H800 GPU-hour, DeepSeek-V3 report Table 1 (Dec 2024); range: H100 at Lambda $1.99 "
    "(Jun 2023) to Google Cloud 3-yr committed $4.86 (Mar 2025), Epoch AI price table (costfacts §7)",
    metric="rental_price",
    own_scopes=("final_run",),
    chip_scopes=("market",),
    description="rental price of one GPU for one hour",
)


def estimate(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    run = inputs.training_run(evidence).filter(pl.col("gpu_hours").is_not_null())
    rows = inputs.rental_price(run, evidence, params)
    return to_estimates(
        rows,
        metric="training_cost",
        scope="final_run",
        value=pl.col("gpu_hours") * pl.col("rental_price"),
        low=pl.col("gpu_hours_low") * pl.col("rental_price_low"),
        high=pl.col("gpu_hours_high") * pl.col("rental_price_high"),
        parameters=["rental_price"],
        derived={
            "gpu_hours": pl.col("gpu_hours"),
            "gpu_hours_source": pl.col("gpu_hours_source"),
            "wall_clock_hours": pl.col("wall_clock_hours"),
            "wall_clock_days": pl.col("wall_clock_hours") / 24.0,
        },
        inputs=["gpu_hours_claim_ids"],
        note=pl.format(
            "{} GPU-hours ({}) x ${}/GPU-hour; rented compute for the final run only",
            pl.col("gpu_hours").round(0),
            pl.col("gpu_hours_source"),
            pl.col("rental_price").round(4),
        ),
    )


ESTIMATOR = Estimator(
    name=NAME,
    version=VERSION,
    estimate=estimate,
    outputs=(("training_cost", "final_run"),),
    parameters=(RENTAL_PRICE,),
    description="GPU-hours x rental price per GPU-hour: what renting the final run would cost.",
)


@hookimpl
def costboard_estimators() -> list[Estimator]:
    return [ESTIMATOR]
