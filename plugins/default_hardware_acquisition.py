"""hardware_acquisition: Epoch AI's up-front cost of the training cluster, interconnect included.

Epoch AI's second method (costfacts §4): GPUs x server-level price per GPU / (1 - 0.19), the
interconnect being 19% of the cluster's cost. The GPU count is the final_run gpu_count claim,
else GPU-hours / training time. No depreciation: this is the purchase, not its use. The range
is Epoch AI's 90% interval for acquisition costs: 0.46x to 2.1x.
"""

from __future__ import annotations

import polars as pl

from costboard import hookimpl
from costboard.plugins import formulas, hardware_inputs, inputs
from costboard.plugins.citations import EPOCH_UNCERTAINTY
from costboard.plugins.defaults import (
    ACQUISITION_RANGE,
    INTERCONNECT_FRACTION,
    PURCHASE_PRICE,
    SERVER_OVERHEAD,
)
from costboard.plugins.estimator import Estimator, claim_ids, to_estimates
from costboard.plugins.evidence import Evidence
from costboard.plugins.parameters import Parameters

NAME = "hardware_acquisition"
VERSION = "1.0"

PARAMETERS = (PURCHASE_PRICE, SERVER_OVERHEAD, INTERCONNECT_FRACTION)


def estimate(evidence: Evidence, params: Parameters) -> pl.DataFrame:
    run = inputs.training_run(evidence)
    hours_per_gpu = pl.when(pl.col("training_duration") > 0).then(
        pl.col("gpu_hours") / pl.col("training_duration")
    )
    rows = run.with_columns(
        pl.coalesce("gpu_count", hours_per_gpu).alias("gpus"),
        pl.when(pl.col("gpu_count").is_not_null())
        .then(claim_ids("gpu_count_claim_id"))
        .otherwise(claim_ids("gpu_hours_claim_ids", "training_duration_claim_id"))
        .alias("gpus_claim_ids"),
    ).filter(pl.col("gpus").is_not_null())
    rows = inputs.subject_facts(rows, evidence)
    rows = hardware_inputs.hardware_price(
        params.attach(rows, evidence, *(p.name for p in PARAMETERS)), evidence, params
    ).with_columns(
        formulas.cluster_cost(
            pl.col("gpus") * pl.col("server_price"), pl.col("interconnect_fraction")
        ).alias("total")
    )
    low_factor, high_factor = ACQUISITION_RANGE
    return to_estimates(
        rows,
        metric="server_capex",
        scope="cluster_capex",
        value=pl.col("total"),
        low=pl.col("total") * low_factor,
        high=pl.col("total") * high_factor,
        parameters=[p.name for p in PARAMETERS],
        derived={"gpus": pl.col("gpus"), "server_price": pl.col("server_price")},
        inputs=["gpus_claim_ids"],
        assumed=hardware_inputs.hardware_assumptions(),
        note=pl.format(
            "{} GPUs x ${} / (1 - {}): buying the training cluster; range {}x-{}x ({})",
            pl.col("gpus").round(0),
            pl.col("server_price").round(2),
            pl.col("interconnect_fraction"),
            pl.lit(low_factor),
            pl.lit(high_factor),
            pl.lit(EPOCH_UNCERTAINTY),
        ),
    )


ESTIMATOR = Estimator(
    name=NAME,
    version=VERSION,
    estimate=estimate,
    outputs=(("server_capex", "cluster_capex"),),
    methods=("hardware_acquisition",),
    parameters=PARAMETERS,
    description="Epoch AI's up-front cost of the training cluster, interconnect included.",
)


@hookimpl
def costboard_estimators() -> list[Estimator]:
    return [ESTIMATOR]
