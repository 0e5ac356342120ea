"""cloud_rental: GPU-hours x rental price per GPU-hour (DeepSeek's and the AI Index's convention).

What renting the final run's compute would cost. GPU-hours are the final_run claim, else the
sum of the stages, else GPU count x training time (see ``inputs.training_run``); the price is
the subject's own claim, else the median of its chip's market listings, else the default.
The range multiplies the GPU-hours' range by the spread of known rental prices.
"""

from __future__ import annotations

import polars as pl

from costboard import hookimpl
from costboard.plugins import hardware, hardware_inputs, inputs
from costboard.plugins.citations import EPOCH_METHOD
from costboard.plugins.estimator import Estimator, claim_ids, to_estimates
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

#: Also amortized_hardware_energy's: it dates a training start when a model states no time.
MEDIAN_TRAINING_HOURS = Parameter(
    "median_training_hours",
    793.5,
    793.5,
    793.5,
    "hours",
    f"median training time of the models in Epoch AI's database, used when a model gives none; "
    f"{EPOCH_METHOD}",
    description="training time assumed for a model that states none (dates its start)",
)


def estimate(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    run = inputs.training_run(evidence)
    rows = inputs.subject_facts(run, evidence)
    rows = inputs.rental_price(rows, evidence, params)
    rows = params.attach(rows, evidence, MEDIAN_TRAINING_HOURS.name)
    rows = hardware_inputs.training_start(rows, evidence, params).with_row_index("_row")
    cluster_hours = pl.col("gpu_count") * pl.col("training_duration")
    rows = rows.with_columns(
        (pl.col("training_start") - pl.duration(days=hardware.CLOUD_PRICE_LEAD_DAYS)).alias(
            "price_target"
        )
    )
    own_price = pl.col("rental_price_origin").str.starts_with("claim: ")
    if "rental_price" not in params.overrides:
        catalog = hardware.rental_price(rows, evidence)
        # Epoch's price per chip-hour, unless the subject states its own (DeepSeek's $2).
        use = ~own_price & pl.col("catalog_rental").is_not_null()
        rows = rows.join(catalog, on="_row", how="left").with_columns(
            pl.when(use)
            .then(pl.col("catalog_rental"))
            .otherwise(pl.col("rental_price"))
            .alias("rental_price"),
            pl.when(use)
            .then(pl.min_horizontal("rental_price_low", "catalog_rental"))
            .otherwise(pl.col("rental_price_low"))
            .alias("rental_price_low"),
            pl.when(use)
            .then(pl.max_horizontal("rental_price_high", "catalog_rental"))
            .otherwise(pl.col("rental_price_high"))
            .alias("rental_price_high"),
            pl.when(use)
            .then(pl.concat_list(pl.col("catalog_rental_claim_id")))
            .otherwise(pl.col("rental_price_claim_ids"))
            .alias("rental_price_claim_ids"),
            pl.when(use)
            .then(
                pl.format(
                    "claim: {} ({} {}, in 3-year committed-use terms)",
                    "catalog_rental_claim_id",
                    "catalog_rental_vendor",
                    "catalog_rental_type",
                )
            )
            .otherwise(pl.col("rental_price_origin"))
            .alias("rental_price_origin"),
            # Epoch prices the cluster's hours (quantity x training time) at a catalog price;
            # a claimant's own price goes with its own GPU-hours.
            pl.when(use & cluster_hours.is_not_null())
            .then(cluster_hours)
            .otherwise(pl.col("gpu_hours"))
            .alias("chip_hours"),
            pl.when(use & cluster_hours.is_not_null())
            .then(claim_ids("gpu_count_claim_id", "training_duration_claim_id"))
            .otherwise(pl.col("gpu_hours_claim_ids"))
            .alias("chip_hours_claim_ids"),
            pl.when(use & cluster_hours.is_not_null())
            .then(pl.lit("gpu_count x training_duration"))
            .otherwise(pl.col("gpu_hours_source"))
            .alias("chip_hours_source"),
        )
    else:
        rows = rows.with_columns(
            pl.col("gpu_hours").alias("chip_hours"),
            pl.col("gpu_hours_claim_ids").alias("chip_hours_claim_ids"),
            pl.col("gpu_hours_source").alias("chip_hours_source"),
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
            "rental_price: default ($2 per GPU-hour)": hardware_inputs.default_used("rental_price"),
            hardware_inputs.TRAINING_TIME_MEDIAN: pl.col("training_hours_assumed")
            & pl.col("rental_price_origin").str.contains("committed-use"),
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
    parameters=(RENTAL_PRICE, MEDIAN_TRAINING_HOURS),
    description="GPU-hours x rental price per GPU-hour: what renting the final run would cost.",
)


@hookimpl
def costboard_estimators() -> list[Estimator]:
    return [ESTIMATOR]
